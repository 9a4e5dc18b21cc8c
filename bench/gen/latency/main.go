// Command latency is a TCP proxy that adds a fixed one-way delay to every
// byte in both directions, for benchmarks where round trips, not bytes,
// decide. It stands in for `tc qdisc add dev lo root netem delay D` on
// kernels built without netem (CONFIG_NET_SCH_NETEM): data is timestamped
// when read and written out D later, so a stream stays pipelined (throughput
// is kept) while every request/response exchange pays 2*D.
//
//	latency -listen 127.0.0.1:16001 -upstream 127.0.0.1:15001 -delay 10ms
package main

import (
	"flag"
	"log"
	"net"
	"sync"
	"time"
)

type chunk struct {
	due  time.Time
	data []byte
}

func main() {
	listen := flag.String("listen", "", "address to listen on")
	upstream := flag.String("upstream", "", "address to forward to")
	delay := flag.Duration("delay", 10*time.Millisecond, "one-way delay added in each direction")
	flag.Parse()
	if *listen == "" || *upstream == "" {
		log.Fatal("usage: latency -listen ADDR -upstream ADDR [-delay D]")
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			u, err := net.Dial("tcp", *upstream)
			if err != nil {
				return
			}
			defer u.Close()
			var wg sync.WaitGroup
			wg.Go(func() { pipe(u, c, *delay) })
			pipe(c, u, *delay)
			wg.Wait()
		}()
	}
}

// pipe copies from src to dst, each chunk delivered delay after it was read.
func pipe(dst, src net.Conn, delay time.Duration) {
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{time.Now().Add(delay), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		if d := time.Until(c.due); d > 0 {
			time.Sleep(d)
		}
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	for range q { // drain so the reader can finish
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite() // pass the EOF on; the other direction goes on
	}
}
