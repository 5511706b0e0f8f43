# One image for every service (pnpm start runs them all; run one with `tsx services/<name>/src/main.ts`).
FROM node:20-bookworm-slim
RUN npm install -g pnpm@10.34.8 && apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile && pnpm prisma:generate
ENV NODE_ENV=production
EXPOSE 8080
CMD ["pnpm", "start"]
