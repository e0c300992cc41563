//go:build !linux

package reassembly

// totalMemory is the machine's memory in bytes, 0 when unknown: this
// build does not ask.
func totalMemory() int { return 0 }
