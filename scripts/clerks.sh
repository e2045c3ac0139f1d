#!/bin/sh
# Reproduces the "reads fail under concurrency" probe of issue 13 (see docs/threat-model.md).
# Usage: scripts/clerks.sh   (VRS=target/release/vrs scripts/clerks.sh for the release binary)
# 8 clerks x 40 runs of `vrs residents show` (odd clerks refused) on one data dir.
set -e
VRS=${VRS:-target/debug/vrs}
D=$(mktemp -d)/data
$VRS --data-dir $D init >/dev/null
$VRS --data-dir $D consent grant --as municipality:131016 --document terms-2021-12-03 >/dev/null
printf '自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n131016,A1,123456789018,0000000001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n' > $D/../r.csv
$VRS --data-dir $D residents import --as municipality:131016 $D/../r.csv >/dev/null
start=$(date +%s.%N)
seq 0 319 | xargs -P 8 -I{} sh -c '
  i={}; if [ $((i % 2)) -eq 0 ]; then who=municipality:131016; want=0; else who=national; want=1; fi
  '"$VRS"' --data-dir '"$D"' residents show --as $who --municipality 131016 --address-number A1 >/dev/null 2>&1; rc=$?
  [ $rc -eq $want ] || echo FAIL' > $D/../fails || true
end=$(date +%s.%N)
echo "failures: $(grep -c FAIL $D/../fails || true) of 320; seconds: $(echo "$end - $start" | bc)"
$VRS --data-dir $D audit verify | tr -d '\n '
echo
