// zlib (Debian zlib1g-dev): the deflate stream and CRC-32 of PNG labels.
#include <zlib.h>
