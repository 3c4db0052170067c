package omr

// JPEGFallbacks and FullRereads count, since the process started, the JPEGs
// image/jpeg decoded (jpeggray did not) and the reduced pages read again
// at full size.
func JPEGFallbacks() int64 { return jpegFallbacks.Load() }
func FullRereads() int64   { return fullRereads.Load() }
