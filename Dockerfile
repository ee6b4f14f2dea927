# The quick-start image: `docker run ... IMAGE create-simple` (see docs/create-simple.md).
# Cannot be built on the development machines (no Docker engine there); kept small on purpose.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p spotinst-aks-engine \
 && mkdir -p /out/man1 /out/bash-completion \
 && ./target/release/spotinst-aks-engine man --dir /out/man1 \
 && ./target/release/spotinst-aks-engine completions bash > /out/bash-completion/spotinst-aks-engine

FROM debian:bookworm-slim
ARG AKS_ENGINE_VERSION=v0.46.3
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSL "https://github.com/Azure/aks-engine/releases/download/${AKS_ENGINE_VERSION}/aks-engine-${AKS_ENGINE_VERSION}-linux-amd64.tar.gz" \
    | tar -xz -C /usr/local/bin --strip-components=1 "aks-engine-${AKS_ENGINE_VERSION}-linux-amd64/aks-engine" \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/spotinst-aks-engine /usr/local/bin/spotinst-aks-engine
# The man pages (`man spotinst-aks-engine` once man-db is installed) and the bash completion.
COPY --from=build /out/man1/ /usr/local/share/man/man1/
COPY --from=build /out/bash-completion/spotinst-aks-engine /usr/share/bash-completion/completions/spotinst-aks-engine
# aks-engine artifacts land in /output/<dns prefix>; mount it to keep them (-v $PWD/output:/output).
VOLUME /output
WORKDIR /
ENTRYPOINT ["spotinst-aks-engine"]
CMD ["create-simple"]
