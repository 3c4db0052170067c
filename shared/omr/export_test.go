package omr

// JPEGFallbacks, PNGFallbacks and FullRereads count, since the process
// started, the JPEGs image/jpeg decoded (jpeggray did not), the PNGs
// image/png decoded (pnggray did not) and the reduced pages read again at
// full size.
func JPEGFallbacks() int64 { return jpegFallbacks.Load() }
func PNGFallbacks() int64  { return pngFallbacks.Load() }
func FullRereads() int64   { return fullRereads.Load() }
