#!/bin/bash
# The core's live tests again, with the ftrace backend.
KR_LIVE_BACKEND=ftrace exec bash "$(dirname "$0")/live.sh"
