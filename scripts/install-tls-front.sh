#!/usr/bin/env bash
# nginx, the TLS front the test bed puts before the archive: Synapse federates over HTTPS only.
exec bash "$(dirname "$0")/install-apt.sh" nginx /usr/sbin/nginx
