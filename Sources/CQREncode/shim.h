// libqrencode (Debian libqrencode-dev): QR Code symbols for the lots' Digital Link labels.
#include <qrencode.h>
