# The vSphere Replication worker image. Two stages: `build` compiles the TypeScript sources (dev dependencies
# needed), `runtime` holds only the compiled JavaScript and the production dependencies, and runs as `node`.
# test/ops/runtime-build.test.ts runs the same steps without Docker (tsc with deploy/tsconfig.build.json,
# npm ci --omit=dev, start the entry point).
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY deploy/tsconfig.build.json deploy/
COPY vr vr
COPY activities activities
COPY workflows workflows
COPY worker worker
COPY plugin plugin
COPY client client
COPY simulator simulator
RUN npx tsc -p deploy/tsconfig.build.json

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production \
    VR_METRICS_ADDRESS=0.0.0.0:9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 9464
# Healthy = the process serves its metrics endpoint (the SDK starts it with the runtime).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/metrics').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/worker/main.js"]
