package images

import "github.com/minidocker/minidocker/unionfs"

func openSnapshotter(root string, o options) (unionfs.Snapshotter, error) {
	opts := []unionfs.Option{unionfs.WithDriver(o.driver)}
	if o.logf != nil {
		opts = append(opts, unionfs.WithLogf(o.logf))
	}
	return unionfs.New(root, opts...)
}
