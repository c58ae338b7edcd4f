# One image for both roles: the API (default) and the worker
# (docker run … node --max-semi-space-size=4 dist/src/workers/main.js).

# Build stage: every package (esbuild among them), then src/ compiled to dist/.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/start.ts scripts/local-services.ts ./scripts/
COPY src ./src
RUN node scripts/build.mjs

# Run stage: production packages and the compiled JavaScript only; plain node, no TypeScript at run time.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The artifact directory (ARTIFACT_STORE=fs): a volume mounted here starts out owned by node.
RUN mkdir -p /var/lib/basalt/artifacts && chown node:node /var/lib/basalt/artifacts

USER node
EXPOSE 3000

# node itself is the command (not npm or sh), so that SIGTERM reaches the process and it drains
# gracefully. A small young generation keeps an idle process under 100 MB (docs/operations.md).
CMD ["node", "--max-semi-space-size=4", "dist/src/api/main.js"]
