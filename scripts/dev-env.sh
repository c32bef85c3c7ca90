# Local defaults for `npm run up` (sourced). Anything already set in the environment wins.
: "${RTMANAGER_INTERNAL_HTTP_ADDR:=127.0.0.1:8090}"
: "${RTMANAGER_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/rtmanager}"
: "${RTMANAGER_REDIS_URL:=redis://127.0.0.1:6379/0}"
: "${RTMANAGER_DOCKER_NETWORK:=galaxy-net}"
: "${RTMANAGER_GAME_STATE_ROOT:=/var/lib/galaxy/games}"
# The engine images run as a numeric non-root user (the test engine: 10001); it must be able
# to write its state folder.
: "${RTMANAGER_GAME_STATE_DIR_UID:=10001}"
: "${RTMANAGER_GAME_STATE_DIR_GID:=10001}"
: "${RTMANAGER_IMAGE_PULL_POLICY:=if_not_present}"
export RTMANAGER_INTERNAL_HTTP_ADDR RTMANAGER_POSTGRES_URL RTMANAGER_REDIS_URL RTMANAGER_DOCKER_NETWORK \
  RTMANAGER_GAME_STATE_ROOT RTMANAGER_GAME_STATE_DIR_UID RTMANAGER_GAME_STATE_DIR_GID RTMANAGER_IMAGE_PULL_POLICY
