package main

import (
	"strings"
	"testing"
)

// TestClickHouseFlags: a URL that is not the HTTP interface's is a usage
// error at once, not rows waiting for a server they cannot reach; the
// schema prints without a server.
func TestClickHouseFlags(t *testing.T) {
	for _, args := range [][]string{
		{"read", "--clickhouse", "localhost:8123", "../../samples/smtp1.pcapng"},
		{"read", "--clickhouse", "ftp://127.0.0.1/", "../../samples/smtp1.pcapng"},
		{"clickhouse", "send", "--clickhouse", "127.0.0.1:8123"},
		{"clickhouse", "schema", "--create"},
	} {
		if _, _, err := runCLI(t, nil, args...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: want a usage error, got %v", args, err)
		}
	}
	out, _, err := runCLI(t, nil, "clickhouse", "schema", "--database", "mail db", "--cluster", "c")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "CREATE TABLE IF NOT EXISTS `mail db`.`sessions_local`") || !strings.Contains(out, "ENGINE = Distributed(`c`, `mail db`, `sessions_local`") {
		t.Errorf("schema:\n%.600s", out)
	}
}
