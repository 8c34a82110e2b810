// QR codes as SVG (libqrencode), for enrollment links shown in the console.
#pragma once

#include <optional>
#include <string>

namespace trailpack::server::qr {

/// An SVG image of a QR code for `text` (error correction level M, 8-bit mode), black
/// modules on white with the 4-module quiet zone, one module = one SVG unit. Nothing when
/// the text does not fit in a QR code (about 2300 bytes at level M).
std::optional<std::string> svg(const std::string& text);

}  // namespace trailpack::server::qr
