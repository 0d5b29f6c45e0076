# syntax=docker/dockerfile:1
# One Squire sidecar. Build: docker build -t squire-sidecar .
# Run:   docker run --rm -p 7700:7700 -e SQUIRE_HOST=0.0.0.0 -e SQUIRE_TOKEN=... squire-sidecar
# Agent: the image carries the example agents under /app/agents; mount yours
#        (e.g. -v ./my-agent.ts:/app/agents/my-agent.ts -e SQUIRE_AGENT=/app/agents/my-agent.ts).

FROM node:24-slim AS build
# better-sqlite3 compiles from source where no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10
WORKDIR /src
# The whole workspace, so the frozen lockfile sees every project it names.
COPY . .
RUN pnpm install --frozen-lockfile --filter @squire/sidecar...
RUN pnpm --filter @squire/client --filter @squire/sidecar run build \
 && pnpm --filter @squire/sidecar deploy --prod --legacy /app
COPY examples/agents/src /app/agents

FROM node:24-slim
# tini forwards SIGTERM to node (PID 1 ignores signals it has no handler for)
# and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=build --chown=root:root /app /app
ENV NODE_ENV=production \
    SQUIRE_AGENT=/app/agents/assistant.ts \
    SQUIRE_PORT=7700 \
    SQUIRE_DATA_DIR=/data
USER node
VOLUME ["/data"]
EXPOSE 7700
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=3 CMD ["node", "/app/dist/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "/app/dist/main.js"]
