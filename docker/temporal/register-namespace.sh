#!/bin/sh
# One-shot (temporalio/admin-tools), once the server answers: register the namespace Paperclip
# uses and its custom search attributes (paperclip/constants.py SEARCH_ATTRIBUTES; Keyword, as
# the embedded dev server registers them). Safe to run again: what exists is left as it is.
# Reads TEMPORAL_ADDRESS, PAPERCLIP_TEMPORAL_NAMESPACE and NAMESPACE_RETENTION.
set -eu

namespace=${PAPERCLIP_TEMPORAL_NAMESPACE:-default}
search_attributes="PaperclipCompany PaperclipAgent PaperclipStatus"

attempt=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 30 ]; then
        echo "Temporal at $TEMPORAL_ADDRESS did not answer" >&2
        exit 1
    fi
    sleep 2
done

temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$namespace" >/dev/null 2>&1 \
    || temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" \
        --retention "${NAMESPACE_RETENTION:-720h}"
echo "namespace $namespace registered"

for name in $search_attributes; do
    if temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$namespace" | grep -qw "$name"; then
        echo "search attribute $name exists"
    else
        temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" \
            --name "$name" --type Keyword
        echo "search attribute $name registered"
    fi
done
