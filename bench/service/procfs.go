package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// statusKB reads a kB field (VmHWM, VmRSS) of /proc/PID/status.
func statusKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// procTicks answers a process's comm and its user+system CPU ticks.
func procTicks(path string) (string, int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	fields := strings.Fields(string(b[end+1:]))
	// After the comm: state(0) ppid pgrp session tty tpgid flags minflt cminflt
	// majflt cmajflt utime(11) stime(12).
	if len(fields) < 13 {
		return "", 0, false
	}
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	s, _ := strconv.ParseInt(fields[12], 10, 64)
	return string(b[open+1 : end]), u + s, true
}

// cpuSnap is where the machine's CPU time had gone at one moment: the whole
// machine, the Postgres processes working for the benchmark, every
// redis-server process, the bench itself and the processes it watches.
type cpuSnap struct {
	at        time.Time
	busy, all int64 // machine ticks, summed over CPUs
	postgres  map[int]int64
	redis     map[int]int64
	self      int64
	pids      map[int]int64
}

func takeCPU(pids ...int) cpuSnap {
	s := cpuSnap{at: time.Now(), pids: map[int]int64{}, postgres: map[int]int64{}, redis: map[int]int64{}}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			if i >= 8 { // guest time is already in user
				break
			}
			s.all += n
			if i != 3 && i != 4 { // idle, iowait
				s.busy += n
			}
		}
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, t, ok := procTicks("/proc/" + e.Name() + "/stat")
		if !ok {
			continue
		}
		switch comm {
		case "postgres":
			if ourPostgres(pid) {
				s.postgres[pid] = t
			}
		case "redis-server":
			s.redis[pid] = t
		}
		if pid == os.Getpid() {
			s.self = t
		}
	}
	for _, pid := range pids {
		if _, t, ok := procTicks(fmt.Sprintf("/proc/%d/stat", pid)); ok {
			s.pids[pid] = t
		}
	}
	return s
}

// ourPostgres tells the server processes that work for the benchmark: the
// backends of its databases, and the server's own (WAL writer, checkpointer…);
// other clients' backends count as other processes.
func ourPostgres(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	cmd := string(b)
	return strings.Contains(cmd, "arxport_bench_") || !strings.Contains(cmd, "(")
}

// cpuUse is the CPU time spent between two snapshots, in seconds.
type cpuUse struct {
	wall                                    time.Duration
	busy, postgres, redis, self, procs, all float64
}

func (a cpuSnap) to(b cpuSnap) cpuUse {
	sec := func(t int64) float64 { return float64(t) / clockTicks }
	u := cpuUse{wall: b.at.Sub(a.at), busy: sec(b.busy - a.busy), all: sec(b.all - a.all),
		postgres: sec(delta(a.postgres, b.postgres)), redis: sec(delta(a.redis, b.redis)), self: sec(b.self - a.self)}
	for pid, t := range b.pids {
		if t0, ok := a.pids[pid]; ok {
			u.procs += sec(t - t0)
		}
	}
	return u
}

// delta is the CPU time processes spent between two snapshots: all of it for
// processes that started meanwhile; processes that ended meanwhile are lost.
func delta(a, b map[int]int64) int64 {
	var d int64
	for pid, t := range b {
		d += t - a[pid]
	}
	return d
}

// per renders CPU milliseconds per unit of work.
func per(sec float64, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", sec*1000/float64(n))
}

// describe is a one-line account of where the CPU went while n units ran.
func (u cpuUse) describe(procName string, n int, unit string) string {
	other := u.busy - u.postgres - u.redis - u.self - u.procs
	watched := ""
	if procName != "" {
		watched = procName + " " + per(u.procs, n) + ", "
	}
	return fmt.Sprintf("CPU while it ran: machine %.0f%% busy (of %d cores); CPU ms per %s: %spostgres %s, redis %s, bench %s, other processes %s.",
		100*u.busy/max(u.all, 1e-9), cores(), unit, watched, per(u.postgres, n), per(u.redis, n), per(u.self, n), per(max(other, 0), n))
}

func cores() int {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "cpu") && len(l) > 3 && l[3] >= '0' && l[3] <= '9' {
			n++
		}
	}
	return n
}

// loadavg answers the 1-minute load average.
func loadavg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
