//go:build !unix

package extract

// fileLimit is how many files the process may open: where there is no
// RLIMIT_NOFILE to ask, as many as maxOpenFiles needs.
func fileLimit() uint64 { return 4 * maxOpenFiles }
