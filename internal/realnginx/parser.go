package realnginx

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Parser asks real nginx's configuration parser, and only its parser,
// about one configuration after another without starting nginx each time:
// one nginx runs in the foreground in single-process mode and reads its
// configuration file again on SIGHUP, as a reload does. Each configuration
// is written to that file followed by a line nginx refuses, so that the
// reload always fails once the text is parsed: nothing is bound, opened or
// started, and the first error nginx reports is the configuration's own or
// that last line's. Only what the parser checks is seen (unknown
// directives, contexts, numbers of arguments, values, block structure);
// the checks nginx makes once everything is read (a missing events block,
// files, listen sockets) are not: use Check for those.
//
// Starting nginx costs a few milliseconds of CPU (the dynamic linker and
// OpenSSL's initialisation); re-reading a small configuration costs a
// fraction of one. A test that checks thousands of small configurations
// uses a Parser per goroutine.
type Parser struct {
	cmd   *exec.Cmd
	conf  string
	lines chan string // nginx's log lines, until it exits
}

// parseEnd is the directive that ends every configuration a Parser reads.
const parseEnd = "xaccel_parse_end"

// parserTimeout bounds one re-read.
const parserTimeout = 10 * time.Second

// StartParser starts nginx (Binary) for a Parser with dir, an empty
// directory of the caller's, as its prefix: its configuration file, pid
// file and nothing else go there. Close stops it.
func StartParser(dir string) (*Parser, error) {
	bin := Binary()
	if bin == "" {
		return nil, errors.New(NotFoundMessage)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "parse.conf")
	// The first configuration is the only one nginx runs: one process,
	// in the foreground, logging notices (the "reopening logs" that marks
	// the end of a re-read among them) to stderr, with no http block and
	// so no listening socket. Its loop checks for signals when its wait
	// for events ends, and a signal that comes between the check and the
	// wait does not end the wait, nor does one handled in the turn that
	// re-read the configuration: timer_resolution ends it every
	// millisecond (with SIGALRM).
	initial := "daemon off;\nmaster_process off;\ntimer_resolution 1ms;\nerror_log stderr notice;\npid " + quote(filepath.Join(dir, "nginx.pid")) + ";\nevents {}\n"
	if err := os.WriteFile(conf, []byte(initial), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-p", dir+"/", "-c", conf, "-e", "stderr")
	cmd.Dir = dir
	setSysProcAttr(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %v", bin, err)
	}
	p := &Parser{cmd: cmd, conf: conf, lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	// nginx handles signals once it writes its pid file (its handlers are
	// set just before); until then SIGHUP would end it.
	pid := filepath.Join(dir, "nginx.pid")
	for deadline := time.Now().Add(parserTimeout); ; time.Sleep(time.Millisecond) {
		if b, err := os.ReadFile(pid); err == nil && strings.HasSuffix(string(b), "\n") {
			return p, nil
		}
		if time.Now().After(deadline) {
			break
		}
	}
	p.Close()
	return nil, fmt.Errorf("nginx for the parser did not write %s within %v", pid, parserTimeout)
}

var parserErrRE = regexp.MustCompile(`\[(emerg|alert|crit|error)\] [0-9]+#[0-9]+: (.*) in (.+):([0-9]+)$`)

// FirstError has nginx parse conf and returns the first error it reports
// with its line in conf and message, as nginx -t prints them (without the
// "nginx: [emerg] " before and " in FILE:LINE" after), as ParseCheckError
// reads them; line 0 when it reports none with a line in conf (the parser
// accepts all of conf, or stopped with an error it logged without a line,
// or without a message, as a few directives do). The line added after conf stops the parser,
// so conf must close its blocks: one left open at the end is not reported.
func (p *Parser) FirstError(conf string) (line int, msg string, err error) {
	text := conf
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	endLine := strings.Count(text, "\n") + 1
	text += parseEnd + ";\n"
	if err := os.WriteFile(p.conf, []byte(text), 0o644); err != nil {
		return 0, "", err
	}
	// SIGHUP re-reads the configuration, which always fails; nginx logs
	// "reconfiguring" as it starts. SIGUSR1 sent after that line is
	// handled once the re-read is over (nginx does one thing at a time):
	// what it logs between "reconfiguring" and "reopening logs" is the
	// re-read's. (Not every error is logged: a few directives fail
	// silently, as they do under nginx -t.)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return 0, "", err
	}
	if _, err := p.readUntil(reconfiguringRE.MatchString); err != nil {
		return 0, "", err
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return 0, "", err
	}
	lines, err := p.readUntil(reopenedRE.MatchString)
	if err != nil {
		return 0, "", err
	}
	for _, l := range lines {
		m := parserErrRE.FindStringSubmatch(l)
		if m == nil || m[3] != p.conf {
			continue
		}
		n, _ := strconv.Atoi(m[4])
		if n == endLine && m[2] == `unknown directive "`+parseEnd+`"` {
			return 0, "", nil
		}
		if n > endLine {
			return 0, "", fmt.Errorf("nginx reports line %d of a configuration of %d lines:\n%s", n, endLine, strings.Join(lines, "\n"))
		}
		return n, m[2], nil
	}
	return 0, "", nil
}

// reconfiguringRE is the line nginx logs as it starts to read its
// configuration again (not the signal handler's, which ends alike).
var reconfiguringRE = regexp.MustCompile(`#[0-9]+: reconfiguring$`)

// reopenedRE is the line nginx logs as it reopens its logs, not the one
// of the signal handler, which ends in the same words.
var reopenedRE = regexp.MustCompile(`#[0-9]+: reopening logs$`)

// readUntil reads nginx's log lines until one that last says it is the
// one, and returns the lines read.
func (p *Parser) readUntil(last func(string) bool) ([]string, error) {
	var lines []string
	timeout := time.NewTimer(parserTimeout)
	defer timeout.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return lines, fmt.Errorf("nginx exited; its output:\n%s", strings.Join(lines, "\n"))
			}
			lines = append(lines, l)
			if last(l) {
				return lines, nil
			}
		case <-timeout.C:
			return lines, fmt.Errorf("nginx did not answer within %v; its output:\n%s", parserTimeout, strings.Join(lines, "\n"))
		}
	}
}

// Close stops nginx (by its PID) and waits for it.
func (p *Parser) Close() error {
	p.cmd.Process.Kill()
	for range p.lines {
		// what nginx logged last, up to the end of its output
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil // killed, as asked
	}
	return err
}
