//go:build unix

package extract

import "syscall"

// fileLimit is how many files the process may open (its soft
// RLIMIT_NOFILE), or as many as maxOpenFiles needs when it cannot say.
func fileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 4 * maxOpenFiles
	}
	return l.Cur
}
