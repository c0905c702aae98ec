#!/bin/sh
# Runs "$@" (an emulator) and ends it when the process that started this one is gone, however it ended:
# that process holds the write end of our stdin and never writes, so the read below returns (EOF) only
# when it exits, even on kill -9. A pipe's EOF is kernel behaviour on Linux and macOS alike (unlike
# Linux's prctl(PR_SET_PDEATHSIG)), and polling the parent pid would miss pid reuse.
# Also sets a private umask: what the emulator writes (DynamoDB Local's database) is for this user only.
# Exits as the emulator did (its status, or its signal); SIGTERM/SIGINT/SIGHUP are passed on to it.
umask 077
exec 3<&0
"$@" </dev/null &
emulator=$!
trap 'kill -TERM "$emulator" 2>/dev/null' TERM INT HUP
# Background lists read /dev/null unless redirected: read the parent's pipe explicitly (fd 3).
{
  while read -r _ignored; do :; done
  kill -TERM "$emulator" 2>/dev/null
  sleep 3
  kill -KILL "$emulator" 2>/dev/null
} <&3 &
watcher=$!
exec 3<&-
# A trapped signal interrupts wait (status > 128) while the emulator stops: wait again until it is gone.
wait "$emulator"
status=$?
while kill -0 "$emulator" 2>/dev/null; do
  wait "$emulator"
  status=$?
done
kill "$watcher" 2>/dev/null
# An emulator ended by a signal: end the same way, so the parent sees which signal (e.g. SIGKILL).
if [ "$status" -gt 128 ]; then
  trap - TERM INT HUP
  kill -s "$(kill -l "$status")" $$
fi
exit "$status"
