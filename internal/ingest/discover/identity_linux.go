package discover

import (
	"io/fs"
	"syscall"
	"time"
)

// identity is a file's change time (ctime) and inode.
func identity(info fs.FileInfo) (time.Time, uint64) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, 0
	}
	return time.Unix(st.Ctim.Sec, st.Ctim.Nsec).UTC().Truncate(time.Microsecond), st.Ino
}

// running tells whether a process with this id exists (one of another user
// too: only "no such process" says it does not).
func running(pid int) bool {
	return syscall.Kill(pid, 0) != syscall.ESRCH
}
