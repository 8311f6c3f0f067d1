#!/bin/sh
# One-shot (docker-compose service `temporal-setup`, image temporalio/admin-tools): wait until the Temporal
# server answers and has its namespace, then register the custom search attributes of
# workflows/search_attributes.py. Re-running is harmless: an attribute that already exists is left alone.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
SEARCH_ATTRIBUTES="${SEARCH_ATTRIBUTES:-OrderStage AgencyId ServiceCategory City}"  # all Keyword

echo "waiting for Temporal at $ADDRESS (namespace $NAMESPACE)"
tries=0
until temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 90 ]; then
        echo "Temporal at $ADDRESS did not answer for namespace $NAMESPACE within 180 s" >&2
        exit 1
    fi
    sleep 2
done

for name in $SEARCH_ATTRIBUTES; do
    if out=$(temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
        --name "$name" --type Keyword 2>&1); then
        echo "registered search attribute $name (Keyword)"
    elif echo "$out" | grep -qi "already exists"; then
        echo "search attribute $name already registered"
    else
        echo "could not register search attribute $name: $out" >&2
        exit 1
    fi
done
