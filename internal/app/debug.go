package app

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// debugHandler serves Go's profiler: CPU and heap profiles, goroutines,
// execution traces. It is only ever mounted on --debug-addr, a loopback
// address apart from the public one.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// checkLoopback returns an error unless addr is host:port with a loopback
// host (127.0.0.0/8, ::1 or localhost): profiles show the program's
// memory and must not be reachable from the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT): the profiler shows the server's memory", addr)
}

// DebugAddr returns the address the profiler listens on, or "" without
// --debug-addr.
func (m *Main) DebugAddr() string {
	if m.debugLn == nil {
		return ""
	}
	return m.debugLn.Addr().String()
}
