package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long a watched directory must stay quiet after a
// change before Watcher reloads: long enough for an editor's save (write a
// temporary file, rename it over, a few milliseconds) to finish, and for a
// git checkout, whose writes follow each other closely, to be one burst;
// short, since an edit is searchable only after it and the reload.
const DefaultDebounce = 150 * time.Millisecond

// Watcher watches a data directory on disk, with every directory below it,
// and asks for a reload after each burst of changes.
type Watcher struct {
	dir      string
	debounce time.Duration
	log      *slog.Logger
	w        *fsnotify.Watcher
}

// NewWatcher starts watching dir and every directory below it except
// those whose names start with a dot (.git). debounce 0 means
// DefaultDebounce; a nil logger means slog.Default(). It returns an error
// when the operating system's watcher cannot start or dir cannot be
// walked.
func NewWatcher(dir string, debounce time.Duration, log *slog.Logger) (*Watcher, error) {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	if log == nil {
		log = slog.Default()
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("snapshot: watch %s: %w", dir, err)
	}
	wt := &Watcher{dir: dir, debounce: debounce, log: log, w: w}
	if err := wt.addTree(dir); err != nil {
		w.Close()
		return nil, err
	}
	return wt, nil
}

// addTree watches root and the directories below it. A directory that
// disappears while it is walked is passed over: its removal is an event
// of its own.
func (wt *Watcher) addTree(root string) error {
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != wt.dir {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != wt.dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if err := wt.w.Add(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("snapshot: watch %s: %w", root, err)
	}
	return nil
}

// ignored reports whether a change to the file at p cannot change the
// snapshot: dot-files (vim's .swp, emacs's .#lock, the temporary files
// trellis fmt renames into place), backups ending in "~", emacs's #auto
// saves#, vim's 4913 probe and JetBrains' ___jb_tmp___ files. The rename
// that finishes a save is an event on the real name and is not ignored.
func ignored(p string) bool {
	name := filepath.Base(p)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "#") ||
		strings.HasSuffix(name, "~") || name == "4913" ||
		strings.HasSuffix(name, "___jb_tmp___") || strings.HasSuffix(name, "___jb_old___")
}

// Run calls reload once the directory has been quiet for the debounce time
// after one or more changes, until ctx ends; then it stops watching and
// returns nil. reload is told the files that changed since the last call
// (slash-separated, in the directory, as Store.ReloadChanged takes them),
// or nil when that is not known: events were lost. It runs on Run's
// goroutine, so changes during a reload lead to one more reload after it.
// Directories created under the data directory are watched from then on.
// Run returns an error only when the operating system's watcher fails.
func (wt *Watcher) Run(ctx context.Context, reload func(ctx context.Context, changed []string)) error {
	defer wt.w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	changed, lost := map[string]bool{}, false
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-wt.w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			// An ignored file is no reason to reload, but it is a data
			// file to the revision (a backup~), so the next reload
			// looks at it.
			if rel, err := filepath.Rel(wt.dir, ev.Name); err == nil && filepath.IsLocal(rel) {
				changed[filepath.ToSlash(rel)] = true
			} else {
				lost = true
			}
			if ignored(ev.Name) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					// A new directory (mkdir, or one renamed or checked
					// out in): watch it, and whatever it already holds
					// is loaded by the reload below.
					if err := wt.addTree(ev.Name); err != nil {
						wt.log.Warn("cannot watch a new directory; SIGHUP or POST /api/v1/admin/reload reloads by hand", "dir", ev.Name, "err", err)
					}
				}
			}
			wt.log.Debug("data changed", "file", ev.Name, "op", ev.Op.String())
			timer.Reset(wt.debounce)
		case err, ok := <-wt.w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: reload to be sure.
				wt.log.Warn("too many changes at once to follow; reloading", "dir", wt.dir)
				lost = true
				timer.Reset(wt.debounce)
				continue
			}
			return fmt.Errorf("snapshot: watch %s: %w", wt.dir, err)
		case <-timer.C:
			var paths []string
			if !lost {
				paths = slices.Sorted(maps.Keys(changed))
			}
			changed, lost = map[string]bool{}, false
			reload(ctx, paths)
		}
	}
}

// Close stops watching. Run also stops watching when its context ends;
// Close is for a Watcher that never ran. It is safe to call more than
// once.
func (wt *Watcher) Close() error {
	if err := wt.w.Close(); err != nil {
		return fmt.Errorf("snapshot: stop watching %s: %w", wt.dir, err)
	}
	return nil
}
