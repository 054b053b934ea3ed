package webui

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
)

// staticFile serves an asset under /static/: files only, never a listing
// of a directory, and kept by browsers for an hour.
func (u *UI) staticFile(c echo.Context) error {
	name := path.Clean(strings.TrimPrefix(c.Param("*"), "/"))
	if name == "." || strings.HasPrefix(name, "../") {
		return apperr.New(apperr.NotFound, "no such file")
	}
	fi, err := fs.Stat(u.static, name)
	if err != nil || fi.IsDir() {
		return apperr.New(apperr.NotFound, "no such file")
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(c.Response(), c.Request(), u.static, name)
	return nil
}
