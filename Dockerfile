# syntax=docker/dockerfile:1
# Squire's images, from the repository root as build context:
#   docker build -t squire-sidecar:0.1.0 .                       one sidecar (the default target)
#   docker build --target host-app -t squire-host-app .          the example host application
#   docker run --rm -p 7700:7700 -e SQUIRE_HOST=0.0.0.0 -e SQUIRE_TOKEN=<16+ chars> squire-sidecar:0.1.0
# Agents: the example agents are under /app/agents. An agent project of its own
# (squire create <name>) builds FROM the sidecar image and adds its npm
# dependencies in /app/agents/<name>/node_modules; @squire/sidecar and zod come
# from the image.
ARG NODE_IMAGE=node:24-slim

# The workspace's lockfile and manifests: the dependency layers below depend on
# these alone, so they (and better-sqlite3's compile) are reused until a
# dependency changes, not on every source edit.
FROM ${NODE_IMAGE} AS workspace
RUN npm install -g pnpm@10
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc package.json tsconfig.base.json ./
RUN pnpm fetch
COPY client-sdk/package.json client-sdk/
COPY client-sdk/bin client-sdk/bin
COPY sidecar/package.json sidecar/
COPY sidecar/bin sidecar/bin
COPY examples/agents/package.json examples/agents/
COPY examples/host-app/package.json examples/host-app/

FROM workspace AS sidecar-build
# better-sqlite3 compiles from source where no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN pnpm install --offline --frozen-lockfile --filter @squire/sidecar...
COPY client-sdk client-sdk
COPY sidecar sidecar
COPY scripts/prune-image.mjs scripts/
# A production install trimmed to what runs (scripts/prune-image.mjs says what goes).
RUN pnpm --filter @squire/client --filter @squire/sidecar run build \
 && pnpm --filter @squire/sidecar deploy --prod --legacy /app \
 && node scripts/prune-image.mjs /app
COPY examples/agents/src /app/agents

FROM workspace AS host-app-build
RUN pnpm install --offline --frozen-lockfile --filter @squire/client --filter @squire/example-host-app
COPY client-sdk client-sdk
COPY examples/host-app examples/host-app
RUN pnpm --filter @squire/client run build \
 && pnpm --filter @squire/example-host-app deploy --prod --legacy /app

# The example host application: its code and @squire/client, nothing of the
# sidecar (the agents' types are a build-time import). Node 24 runs src/main.ts
# as it is, stripping its types.
FROM ${NODE_IMAGE} AS host-app
RUN mkdir -p /run/squire && chown 1000:1000 /run/squire
WORKDIR /app
COPY --from=host-app-build --chown=root:root /app /app
ENV NODE_ENV=production
USER 1000:1000
CMD ["node", "src/main.ts"]

# One sidecar: the default target.
FROM ${NODE_IMAGE} AS sidecar
# tini forwards SIGTERM to node (PID 1 ignores signals it has no handler for)
# and reaps zombies. npm, corepack and yarn are not needed to run a sidecar:
# an agent image installs its dependencies in a stage of its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && mkdir -p /data /run/squire \
 && chown 1000:1000 /data /run/squire
WORKDIR /app
COPY --from=sidecar-build --chown=root:root /app /app
ENV NODE_ENV=production \
    SQUIRE_AGENT=/app/agents/assistant.ts \
    SQUIRE_PORT=7700 \
    SQUIRE_DATA_DIR=/data
# The image's `node` user, by number: Kubernetes checks runAsNonRoot only
# against a numeric user (deploy/kubernetes uses runAsUser/runAsGroup 1000).
USER 1000:1000
VOLUME ["/data"]
EXPOSE 7700
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=3 CMD ["node", "/app/dist/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "/app/dist/main.js"]
