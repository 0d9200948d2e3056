package images

import "errors"

var (
	// ErrNotFound: no image by that name or ID ("No such image", as docker says).
	ErrNotFound = errors.New("no such image")
	// ErrAmbiguous: an ID prefix that more than one image has.
	ErrAmbiguous = errors.New("ambiguous image ID")
	// ErrConflict: a removal that needs -f (docker's "conflict: unable to
	// delete ... (must be forced)").
	ErrConflict = errors.New("conflict")
	// ErrIncomplete: an image whose blobs or layers are not all in the
	// store (removed by a concurrent failed pull, or by hand).
	ErrIncomplete = errors.New("image incomplete")
	// ErrInvalid: an image that breaks the spec (a config naming fewer
	// diff IDs than the manifest has layers, ...).
	ErrInvalid = errors.New("invalid image")
)
