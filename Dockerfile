# One image for both roles: the API (default) and the worker
# (docker run … node --import tsx src/workers/main.ts).
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
# tsx is a runtime dependency: TypeScript runs as is, with no build step.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src

USER node
EXPOSE 3000

# Equivalent to `npm run api`, but with node itself as the command, so that SIGTERM reaches
# the process and it drains gracefully. Through npm, sh and the tsx launcher, it does not
# reliably reach a busy process.
CMD ["node", "--import", "tsx", "src/api/main.ts"]
