# syntax=docker/dockerfile:1
# One Squire sidecar.
#   docker build -t squire-sidecar:0.1.0 .
#   docker run --rm -p 7700:7700 -e SQUIRE_HOST=0.0.0.0 -e SQUIRE_TOKEN=<16+ chars> squire-sidecar:0.1.0
# Agents: the example agents are under /app/agents. An agent project of its own
# (squire create <name>) builds FROM this image and adds its npm dependencies in
# /app/agents/<name>/node_modules; @squire/sidecar and zod come from the image.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source where no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10
WORKDIR /src
# Dependencies first, from the lockfile and the manifests alone: these layers
# (and better-sqlite3's compile) are reused until a dependency changes, not on
# every source edit.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc package.json ./
RUN pnpm fetch
COPY client-sdk/package.json client-sdk/
COPY client-sdk/bin client-sdk/bin
COPY sidecar/package.json sidecar/
COPY sidecar/bin sidecar/bin
RUN pnpm install --offline --frozen-lockfile --filter @squire/sidecar...
# Then the sources, the build, and a production install trimmed to what runs.
COPY tsconfig.base.json ./
COPY client-sdk client-sdk
COPY sidecar sidecar
COPY scripts/prune-image.mjs scripts/
RUN pnpm --filter @squire/client --filter @squire/sidecar run build \
 && pnpm --filter @squire/sidecar deploy --prod --legacy /app \
 && node scripts/prune-image.mjs /app
COPY examples/agents/src /app/agents

FROM ${NODE_IMAGE}
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
COPY --from=build --chown=root:root /app /app
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
