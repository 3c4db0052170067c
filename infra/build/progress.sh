#!/usr/bin/env bash
# progress.sh reads `go build -v` on stdin and says how far the build is:
# go build -v names each package as it compiles it (cached ones are not
# named), so a first build on a fresh clone, which compiles hundreds of
# packages, prints a line every 10 seconds instead of nothing for minutes.
# Anything else (compile errors) passes through. $1: the packages the build
# links in all, for "n of up to N".
total=${1:-?}
start=$SECONDS
last=$SECONDS
n=0
other=0
path='^[A-Za-z0-9_.~+-]+(/[A-Za-z0-9_.~+-]+)*$'
while IFS= read -r line; do
	if [[ $line =~ $path ]]; then
		n=$((n + 1))
		if ((SECONDS - last >= 10)); then
			last=$SECONDS
			echo "  compiled $n packages of up to $total ($((SECONDS - start)) s)"
		fi
	else
		printf '%s\n' "$line"
		other=1
	fi
done
# A build that printed anything else failed (or warned): make says how it
# ended, so no summary here that could read as success.
if ((other)); then
	exit 0
fi
if ((n == 0)); then
	echo "  up to date"
else
	echo "  compiled $n packages in $((SECONDS - start)) s"
fi
