# syntax=docker/dockerfile:1
# The Flotilla agent. Build from the repository root:
#   docker build -f docker/agent.Dockerfile -t flotilla/agent .
# Stage 1 installs the workspace and compiles the agent with only the npm packages it reaches
# (no NestJS, TypeORM or pg: about 25 MB on top of node:20-slim); stage 2 runs it as non-root.
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY docker/build-app.mjs ./docker/
RUN node docker/build-app.mjs --entry apps/agent/src/main.ts --out /out

FROM node:20-slim
ENV NODE_ENV=production \
    FLOTILLA_STATE_DIR=/var/lib/flotilla
RUN groupadd --gid 10001 flotilla \
 && useradd --uid 10001 --gid flotilla --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin flotilla \
 && mkdir -p /var/lib/flotilla \
 && chown 10001:10001 /var/lib/flotilla \
 && chmod 0700 /var/lib/flotilla
WORKDIR /app
COPY --from=build /out /app
USER 10001:10001
# The Git cache and report outbox live here (infra/agent and the chart mount an emptyDir; the
# credential is kept in a Secret with --state-secret, or here without it).
VOLUME ["/var/lib/flotilla"]
# The Node options of apps/agent/src/node-options.ts (AGENT_NODE_OPTIONS); NODE_OPTIONS adds to them.
ENTRYPOINT ["node", "--max-semi-space-size=4", "apps/agent/src/main.js"]
