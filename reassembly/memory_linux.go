//go:build linux

package reassembly

import "golang.org/x/sys/unix"

// totalMemory is the machine's memory in bytes, 0 when unknown.
func totalMemory() int {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return int(uint64(si.Totalram) * uint64(si.Unit))
}
