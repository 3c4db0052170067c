/* mkfixtures writes the JPEG fixtures of jpeggray's tests with libjpeg, so
   that they cover what Go's encoder never writes: 4:4:4 and 4:2:2 and 4:1:1
   sampling, restart intervals (also in images many MCUs wide), optimised Huffman tables (codes longer than
   the lookup), one scan per component, 16-bit quantisation tables (SOF1),
   and, for the fallback, progressive and arithmetic coding.
   Build and run (from this directory):
     cc -O2 -o /tmp/mkfixtures mkfixtures.c -ljpeg && /tmp/mkfixtures */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

/* A card-like picture: paper with a gradient and noise, black boxes, a
   blue pen stroke and a red one. */
static void picture(unsigned char *rgb, int w, int h, int colour) {
	unsigned s = 12345;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			s = s * 1103515245u + 12345u;
			int n = (int)((s >> 16) % 9) - 4;
			int v = 235 - x / 8 + n, r, g, b;
			if ((x / 9 + y / 7) % 5 == 0 && x % 9 < 6 && y % 7 < 5) v = 30 + n;
			r = g = b = v;
			if (colour && abs(x - y - 5) < 3) { r = 40; g = 60; b = 170; }
			if (colour && abs(x + y - w) < 2) { r = 190; g = 40; b = 40; }
			unsigned char *p = rgb + 3 * (y * w + x);
			p[0] = r < 0 ? 0 : r > 255 ? 255 : r;
			p[1] = g < 0 ? 0 : g > 255 ? 255 : g;
			p[2] = b < 0 ? 0 : b > 255 ? 255 : b;
		}
}

struct opts {
	const char *name;
	int w, h, colour, q;
	int h0, v0;          /* luma sampling factors (chroma 1×1) */
	int restart;         /* MCUs per restart interval, 0 = none */
	int optimize, progressive, arith, scan_per_comp, force_baseline;
};

static void write(struct opts o) {
	unsigned char *rgb = malloc(3 * o.w * o.h);
	picture(rgb, o.w, o.h, o.colour);
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	FILE *f = fopen(o.name, "wb");
	jpeg_stdio_dest(&c, f);
	c.image_width = o.w;
	c.image_height = o.h;
	c.input_components = o.colour ? 3 : 1;
	c.in_color_space = o.colour ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, o.q, o.force_baseline);
	if (o.colour) {
		c.comp_info[0].h_samp_factor = o.h0;
		c.comp_info[0].v_samp_factor = o.v0;
		c.comp_info[1].h_samp_factor = c.comp_info[1].v_samp_factor = 1;
		c.comp_info[2].h_samp_factor = c.comp_info[2].v_samp_factor = 1;
	}
	c.restart_interval = o.restart;
	c.optimize_coding = o.optimize;
	c.arith_code = o.arith;
	if (o.progressive) jpeg_simple_progression(&c);
	static jpeg_scan_info scans[3];
	if (o.scan_per_comp) {
		for (int i = 0; i < 3; i++) {
			scans[i].comps_in_scan = 1;
			scans[i].component_index[0] = i;
			scans[i].Ss = 0; scans[i].Se = 63; scans[i].Ah = 0; scans[i].Al = 0;
		}
		c.scan_info = scans;
		c.num_scans = 3;
	}
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = rgb + 3 * c.next_scanline * o.w;
		if (!o.colour) {
			static unsigned char grey[4096];
			for (int x = 0; x < o.w; x++) grey[x] = row[3 * x];
			row = grey;
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	fclose(f);
	free(rgb);
}

int main(void) {
	struct opts all[] = {
		{"grey.jpg", 101, 67, 0, 75, 1, 1, 0, 0, 0, 0, 0, 1},
		{"grey-restart.jpg", 93, 70, 0, 90, 1, 1, 3, 0, 0, 0, 0, 1},
		{"grey-optimized.jpg", 130, 97, 0, 97, 1, 1, 0, 1, 0, 0, 0, 1},
		{"grey-16bit-quant.jpg", 77, 51, 0, 3, 1, 1, 0, 0, 0, 0, 0, 0},
		{"colour-420.jpg", 99, 71, 1, 75, 2, 2, 0, 0, 0, 0, 0, 1},
		{"colour-420-restart1.jpg", 67, 45, 1, 80, 2, 2, 1, 0, 0, 0, 0, 1},
		{"colour-422-restart.jpg", 111, 59, 1, 85, 2, 1, 5, 1, 0, 0, 0, 1},
		{"colour-444.jpg", 83, 61, 1, 95, 1, 1, 0, 0, 0, 0, 0, 1},
		{"colour-440.jpg", 64, 48, 1, 70, 1, 2, 0, 0, 0, 0, 0, 1},
		{"colour-411.jpg", 75, 40, 1, 75, 4, 1, 2, 0, 0, 0, 0, 1},
		{"grey-wide-restart.jpg", 301, 37, 0, 80, 1, 1, 11, 0, 0, 0, 0, 1},
		{"colour-420-wide-restart.jpg", 397, 45, 1, 80, 2, 2, 7, 0, 0, 0, 0, 1},
		{"colour-422-wide.jpg", 333, 30, 1, 85, 2, 1, 0, 1, 0, 0, 0, 1},
		{"colour-444-wide-restart.jpg", 211, 27, 1, 90, 1, 1, 13, 0, 0, 0, 0, 1},
		{"colour-scan-per-component.jpg", 90, 66, 1, 75, 2, 2, 0, 0, 0, 0, 1, 1},
		{"progressive.jpg", 90, 66, 1, 75, 2, 2, 0, 0, 1, 0, 0, 1},
		{"arithmetic.jpg", 90, 66, 1, 75, 2, 2, 0, 0, 0, 1, 0, 1},
	};
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) write(all[i]);
	return 0;
}
