#!/usr/bin/env python3
"""Extract the kernel's own BTF (the .BTF section) from an uncompressed arm64
kernel Image, which is not an ELF file: find the BTF header (magic 0xeB9F,
version 1, 24-byte header) and copy header + types + strings.
  btf-from-image.py IMAGE OUT.btf"""
import struct
import sys

MAGIC = bytes([0x9F, 0xEB, 1, 0, 24, 0, 0, 0])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: btf-from-image.py IMAGE OUT.btf")
    data = open(sys.argv[1], "rb").read()
    found = []
    pos = data.find(MAGIC)
    while pos >= 0:
        hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<5I", data, pos + 4)
        end = pos + hdr_len + str_off + str_len
        # The real blob: types then strings, strings end with a NUL, inside the file.
        if (hdr_len == 24 and type_off == 0 and str_off == type_len and str_len > 0 and
                end <= len(data) and data[end - 1] == 0):
            found.append((type_len + str_len, pos, end))
        pos = data.find(MAGIC, pos + 1)
    if not found:
        sys.exit("btf-from-image: no BTF in %s (CONFIG_DEBUG_INFO_BTF off, or a compressed image?)" % sys.argv[1])
    _, start, end = max(found)
    with open(sys.argv[2], "wb") as out:
        out.write(data[start:end])
    print("btf-from-image: %d bytes of BTF at offset %d" % (end - start, start))


main()
