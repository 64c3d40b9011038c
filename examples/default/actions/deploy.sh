#!/bin/sh
# Used by the `deploy` action in .workflows/deploy.yaml (`source: actions/deploy.sh`).
# A file-based action runs directly, so it needs the executable bit and a shebang.
# Step inputs are not environment variables: the action maps `input.env` to DEPLOY_ENV
# through its `env:` block.
set -eu

echo "Deploying to environment: ${DEPLOY_ENV:-staging}"
echo "Version: ${VERSION:-latest}"

echo "Deployment complete!"
echo "OUTPUT: {\"status\": \"deployed\", \"env\": \"${DEPLOY_ENV:-staging}\"}"
