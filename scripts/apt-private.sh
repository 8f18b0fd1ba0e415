# Sourced by the scripts that fetch Debian packages without installing them
# (linux-images.sh: arm64 kernel and user land; qemu-oracle.sh: QEMU from
# bookworm-backports): a private apt state, from the machine's own sources,
# that never touches the machine's dpkg database, architectures or /etc.
#
#   apt_private DIR ARCH [SUITE]  set up DIR (lists, cache, sources copied
#                                 from the machine's apt configuration; with
#                                 SUITE, e.g. bookworm-backports, also that
#                                 suite on the mirror of the machine's own
#                                 Debian release) and run apt-get update;
#                                 sets aopts (apt options) and upd_err
#   fetch_deb PKG [VERSION]       download PKG (the candidate, or VERSION)
#                                 into DIR/debs, reusing a file whose sha256
#                                 matches the index; prints the .deb path
# The caller defines step() and die() and has `set -Eeuo pipefail`.

sha() { sha256sum "$1" | cut -d' ' -f1; }

apt_private() {
  local arch=$2 suite=${3:-} src_list src_parts f mirror codename
  apt_dir=$1
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
    "$apt_dir/sources.list.d" "$apt_dir/debs"
  eval "$(apt-config shell src_list Dir::Etc::SourceList/f src_parts Dir::Etc::SourceParts/d)"
  src_list=${src_list:-/etc/apt/sources.list}
  src_parts=${src_parts:-/etc/apt/sources.list.d/}
  rm -f "$apt_dir/sources.list" "$apt_dir/sources.list.d/"*
  if [ -f "$src_list" ]; then cp "$src_list" "$apt_dir/sources.list"; else : >"$apt_dir/sources.list"; fi
  shopt -s nullglob
  for f in "$src_parts"*.list "$src_parts"*.sources; do cp "$f" "$apt_dir/sources.list.d/"; done
  shopt -u nullglob
  [ -s "$apt_dir/sources.list" ] || [ -n "$(ls -A "$apt_dir/sources.list.d")" ] ||
    die "no apt sources found in $src_list or $src_parts"
  aopts=(-o APT::Architectures::="$arch" -o APT::Architecture="$arch"
         -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
         -o Dir::State::status=/dev/null
         -o Dir::Etc::SourceList="$apt_dir/sources.list"
         -o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
         -o APT::Sandbox::User=root)
  if [ -n "$suite" ]; then
    # The mirror the machine gets its own release from (a copy of its
    # configuration, so the backports come from the same place).
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
    mirror=$(apt-get "${aopts[@]}" indextargets --no-release-info \
               --format '$(SITE) $(RELEASE) $(COMPONENT)' 2>/dev/null |
             awk -v r="$codename" '$2 == r && $3 == "main" { print $1; exit }')
    [ -n "$mirror" ] || die "no '$codename main' source in the machine's apt configuration"
    echo "deb $mirror $suite main" >"$apt_dir/sources.list.d/s2mm-$suite.list"
    aopts+=(-o APT::Default-Release="$suite")
  fi
  step "apt-get update ($arch, private state in $apt_dir)"
  upd_err=""
  if ! apt-get "${aopts[@]}" -qq update >&2; then
    # One unreachable extra source need not matter; fail later if the
    # packages cannot be found.
    upd_err=" (apt-get update reported errors; sources: $src_list, $src_parts)"
    step "warning: apt-get update reported errors, going on with what it fetched"
  fi
}

fetch_deb() {
  local pkg=$1 ver=${2:-} info want f
  if [ -n "$ver" ]; then
    info=$(apt-cache "${aopts[@]}" show "$pkg=$ver") ||
      die "apt-cache show $pkg=$ver failed$upd_err"
  else
    info=$(apt-cache "${aopts[@]}" show --no-all-versions "$pkg") ||
      die "apt-cache show $pkg failed$upd_err"
    ver=$(sed -n 's/^Version: //p' <<<"$info" | head -n1)
  fi
  want=$(sed -n 's/^SHA256: //p' <<<"$info" | head -n1)
  [ -n "$ver" ] && [ -n "$want" ] || die "no version/SHA256 for $pkg in the index"
  for f in "$apt_dir/debs/${pkg}_"*.deb; do
    [ -f "$f" ] || continue
    if [ "$(sha "$f")" = "$want" ]; then
      step "cached: $(basename "$f")"
      echo "$f"
      return 0
    fi
    rm -f "$f"
  done
  step "downloading $pkg $ver"
  (cd "$apt_dir/debs" && apt-get "${aopts[@]}" -qq download "$pkg=$ver" >&2) ||
    die "apt-get download $pkg=$ver failed"
  for f in "$apt_dir/debs/${pkg}_"*.deb; do
    if [ -f "$f" ] && [ "$(sha "$f")" = "$want" ]; then echo "$f"; return 0; fi
  done
  die "downloaded $pkg but found no ${pkg}_*.deb with SHA256 $want"
}
