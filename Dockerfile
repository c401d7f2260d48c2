# syntax=docker/dockerfile:1
# Hookline image: one image for the api, worker and migrate processes (pick with the command).
# Debian (glibc) base, not Alpine: @temporalio/core-bridge ships native binaries for glibc only.
ARG NODE_IMAGE=node:22.21-bookworm-slim

# ---- build: install everything, pre-bundle the workflow code, then drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
# dist/workflow-bundle.js: production workers load it instead of bundling at start.
# dist/portal: the customer portal page, built here because the runtime image is read-only.
RUN npx tsx scripts/bundle-workflows.ts \
 && npx tsx src/portal/main.ts \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    HOOKLINE_ALLOW_PRIVATE_TARGETS=false
WORKDIR /app

# Owned by root and read-only for the app user; tsx caches its transforms under /tmp.
COPY --from=build /app /app

USER node
EXPOSE 3000

# TypeScript runs through tsx's loader in the node process itself (no npm/npx wrapper), so
# SIGTERM reaches the app directly and it drains gracefully.
#   api:     node --import tsx src/main/api.ts      (default)
#   worker:  node --import tsx src/main/worker.ts
#   migrate: node --import tsx src/main/migrate.ts
CMD ["node", "--import", "tsx", "src/main/api.ts"]
