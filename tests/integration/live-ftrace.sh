#!/bin/bash
# The core's live tests again (live.sh, with its live_gate), with the ftrace
# backend.  Sourced, not run, so that this file is the one the emulated x86
# host runs and reports for.
export KR_LIVE_BACKEND=ftrace
. "$(dirname "$0")/live.sh"
