#!/usr/bin/env bash
# Start a ClickHouse server on loopback for make e2e-clickhouse (root):
# installs Debian's clickhouse-server when missing, and runs it from a
# configuration of its own in DIR (default /tmp/mailtrace-clickhouse):
# HTTP on 127.0.0.1:18123, native on 127.0.0.1:19000, and a cluster
# "mailtrace_two_shards" of two shards that both point at this server,
# the usual one-machine check of a Distributed schema.
#
#   samples/clickhouse.sh start [DIR]   start it, wait until it answers
#   samples/clickhouse.sh stop [DIR]    stop it
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/mailtrace-clickhouse}
http=18123
tcp=19000

stop() {
	local pid
	pid=$(cat "$dir/pid" 2>/dev/null || true)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		rm -f "$dir/pid"
	fi
}

case $cmd in
stop)
	stop
	exit 0
	;;
start) ;;
*)
	echo "usage: $0 start|stop [DIR]" >&2
	exit 2
	;;
esac

if ! command -v clickhouse-server >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null
fi
stop
mkdir -p "$dir"/{data,tmp,user_files,log}
cat > "$dir/config.xml" <<XML
<yandex>
    <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog><size>10M</size><count>2</count></logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>50</max_concurrent_queries>
    <remote_servers>
        <mailtrace_two_shards>
            <shard><replica><host>127.0.0.1</host><port>$tcp</port></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>$tcp</port></replica></shard>
        </mailtrace_two_shards>
    </remote_servers>
</yandex>
XML
cat > "$dir/users.xml" <<XML
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
    <quotas><default></default></quotas>
</yandex>
XML
clickhouse-server --config-file="$dir/config.xml" --pid-file="$dir/pid" --daemon
for _ in $(seq 1 300); do
	if curl -fsS "http://127.0.0.1:$http/ping" >/dev/null 2>&1; then
		echo "clickhouse-server $(curl -fsS "http://127.0.0.1:$http/?query=SELECT+version()") on http://127.0.0.1:$http"
		exit 0
	fi
	sleep 0.1
done
echo "clickhouse-server did not start; see $dir/log" >&2
tail -20 "$dir/log/error.log" >&2 || true
exit 1
