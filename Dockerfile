# The devcontainer-builder image: Node, git, ssh, tini, the Docker CLI with
# the buildx and compose plugins, and the builder with @devcontainers/cli.
#
# Prepare the context first (compiled builder + production node_modules):
#   scripts/image-context.sh && docker build -t devcontainer-builder .
# The tests substitute locally built bases through the two image build args;
# nothing else differs between the production build and the test build.
ARG NODE_IMAGE=node:22.23.2-bookworm-slim
# Same Docker release as the template's default DinD sidecar image
# (constructs/template-variables.ts, DEFAULT_DIND_IMAGE): keep them together.
ARG DOCKER_CLI_IMAGE=docker:28.5.1-cli

FROM ${DOCKER_CLI_IMAGE} AS docker-cli

FROM ${NODE_IMAGE}

RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

# The whole plugins directory (buildx, compose) is copied, so the copy also
# works when a base carries none.
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=docker-cli /usr/local/libexec/docker/cli-plugins/ /usr/local/libexec/docker/cli-plugins/

# Dependencies change less often than the builder: separate layers.
COPY .cache/image-context/node_modules/ /opt/devcontainer-builder/node_modules/
COPY .cache/image-context/package.json .cache/image-context/package-lock.json .cache/image-context/version.txt /opt/devcontainer-builder/
COPY .cache/image-context/dist/ /opt/devcontainer-builder/dist/

# Both entry scripts carry a node shebang and the executable bit (set by
# npm and by scripts/image-context.sh).
RUN ln -s /opt/devcontainer-builder/dist/builder/cli.js /usr/local/bin/devcontainer-builder \
 && ln -s /opt/devcontainer-builder/node_modules/@devcontainers/cli/devcontainer.js /usr/local/bin/devcontainer

ENV NODE_ENV=production

# Last, so that a new version or revision does not invalidate the layers above.
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/vgijssel/setup

LABEL org.opencontainers.image.title="devcontainer-builder" \
      org.opencontainers.image.description="Builds a repository's dev container with the Dev Containers CLI in Docker-in-Docker and starts the Coder agent inside it" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT"

# Runs as root: the builder chowns the checkout on the shared /workspaces
# volume for the dev container's user and talks to the DinD socket, which
# dockerd creates root-owned.
ENTRYPOINT ["tini", "--", "devcontainer-builder"]
