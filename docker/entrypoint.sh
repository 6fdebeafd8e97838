#!/bin/sh
# The image's entrypoint: the first argument names the role, the rest go to its command.
#   worker            paperclip worker   (polls every task queue; drains on SIGTERM)
#   api               paperclip api      (PAPERCLIP_HOST:PAPERCLIP_API_PORT; migrates the store)
#   ui | dashboard    paperclip ui       (PAPERCLIP_HOST:PAPERCLIP_UI_PORT)
#   cli ARGS...       paperclip ARGS...  (any command: `cli company list`, `cli token create ...`)
# Each is exec'd, so the process is the one that receives the container's signals.
set -eu

usage="worker, api, ui, or cli <paperclip command> (e.g. cli company list)"
if [ "$#" -eq 0 ]; then
    echo "paperclip-entrypoint: no role given: use $usage" >&2
    exit 1
fi
role=$1
shift
case "$role" in
    worker) exec paperclip worker "$@" ;;
    api) exec paperclip api "$@" ;;
    ui | dashboard) exec paperclip ui "$@" ;;
    cli | paperclip) exec paperclip "$@" ;;
    *)
        echo "paperclip-entrypoint: unknown role '$role': use $usage" >&2
        exit 1
        ;;
esac
