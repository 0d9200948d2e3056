package snapshottest

import (
	"context"
	"io"

	ocilayer "github.com/minidocker/minidocker/oci/layer"
	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// applyLayer writes an OCI layer tar into dir, whiteouts in form, with
// the engine's own extractor: what the suite proves about a diff is then
// true of the layer the engine would unpack from it.
func applyLayer(r io.Reader, dir string, form whiteout.Form) error {
	_, err := ocilayer.Extract(context.Background(), r, dir, ocilayer.WithWhiteouts(form, whiteout.OpaqueXattr))
	return err
}
