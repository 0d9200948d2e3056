package images

// Progress is one event of a pull or a push, for a display like docker's:
// per layer (ID is the first 12 digits of its digest), a status, and for
// the statuses that move, how far.
type Progress struct {
	ID      string
	Status  string
	Current int64
	Total   int64
}

// The statuses, docker's words.
const (
	StatusPullingLayer  = "Pulling fs layer"
	StatusWaiting       = "Waiting"
	StatusDownloading   = "Downloading"
	StatusVerifying     = "Verifying Checksum"
	StatusDownloaded    = "Download complete"
	StatusExtracting    = "Extracting"
	StatusPullComplete  = "Pull complete"
	StatusAlreadyExists = "Already exists"
	StatusPreparing     = "Preparing"
	StatusPushing       = "Pushing"
	StatusPushed        = "Pushed"
	StatusLayerExists   = "Layer already exists"
	StatusMounted       = "Mounted from " // + the repository
)

// ProgressFunc receives events; it is called from several goroutines at
// once, and must not block for long.
type ProgressFunc func(Progress)

func shortID(d interface{ Encoded() string }) string {
	e := d.Encoded()
	return e[:min(12, len(e))]
}
