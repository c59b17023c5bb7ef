# syntax=docker/dockerfile:1
# The Flotilla control plane. Build from the repository root:
#   docker build -f docker/control-plane.Dockerfile -t flotilla/control-plane .
# Stage 1 installs the workspace and compiles the control plane (SWC, decorator metadata) with
# only the npm packages it reaches; stage 2 is node:20-slim with that folder, run as non-root.
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY docker/build-app.mjs ./docker/
# Packages loaded by name at runtime (Nest's HTTP and GraphQL drivers, TypeORM's pg) and the
# dashboard's static files are added explicitly; infra/test/app-builds.int-spec.ts runs the result.
RUN node docker/build-app.mjs --entry apps/control-plane/src/main.ts --out /out \
      --with @nestjs/platform-express --with @as-integrations/express5 --with pg \
      --copy apps/web/src

FROM node:20-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
RUN groupadd --gid 10001 flotilla \
 && useradd --uid 10001 --gid flotilla --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin flotilla
WORKDIR /app
# Owned by root and not writable by the service user.
COPY --from=build /out /app
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/control-plane/src/main.js"]
