# Build: a static binary (pure-Go SQLite, no cgo).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/issueops ./cmd/issueops \
    && mkdir -p /out/data

# Run: CA certificates for GitHub/Slack/Jira over TLS, a non-root user, nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/issueops /usr/local/bin/issueops
# The database directory belongs to the non-root user (distroless' nonroot is 65532).
COPY --from=build --chown=65532:65532 /out/data /var/lib/issueops
WORKDIR /var/lib/issueops
USER nonroot:nonroot
ENV ISSUEOPS_ADDR=:8080 ISSUEOPS_DATABASE_URL=sqlite:///var/lib/issueops/issueops.db
EXPOSE 8080
VOLUME ["/var/lib/issueops"]
ENTRYPOINT ["/usr/local/bin/issueops"]
CMD ["serve"]
