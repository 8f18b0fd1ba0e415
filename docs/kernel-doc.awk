# Doxygen INPUT_FILTER for the headers in include/s2mm/: reads the
# kernel-doc comments they are written in and hands Doxygen its own
# commands, so that the headers stay plain kernel-doc for people to read.
# Every line stays where it was, so Doxygen's warnings name the header's
# real line numbers.
#
#   /** name() - Text.           ->  /** Text.
#    * @arg: what it is.         ->   * @param arg what it is.
#    * @a, @b: ...  (or @a/@b)  ->   * @param a,b ...
#    * Return: ...              ->   * @return ...
#   any other @word             ->  @p word (a parameter or field named in text)
#   /** struct NAME - Text.     ->  /** Text.; its "@field: ..." items leave the
#                                   block and become the trailing comments of
#                                   those fields of struct NAME
#   /** @field: text */         ->  /** text */ (a comment inside a struct,
#                                   before its field)
#   code;  /* text */           ->  code;  /**< text */ (a field's, an
#                                   enumerator's or a macro's own comment)
#   a doc comment on "T a, b;"  ->  the same comment for each of a and b
#                                   (a Doxygen member group)
#
# Plain POSIX awk (Debian's default is mawk): no gensub, no arrays of arrays.

# The Doxygen commands the headers (and this filter) write; so no
# parameter or field may be called file, param, p or return.
function is_cmd(w) {
	return w ~ /^(file|param|p|return)$/
}

# Every "@word" in s that is not one of the commands above -> "@p word".
function refs(s,    out, w) {
	out = ""
	while (match(s, /@[A-Za-z_][A-Za-z0-9_]*/)) {
		w = substr(s, RSTART + 1, RLENGTH - 1)
		out = out substr(s, 1, RSTART - 1) (is_cmd(w) ? "@" w : "@p " w)
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

# The names of a kernel-doc item head ("@a/@b", "@a, @b"), comma-separated.
function names(head) {
	gsub(/[@ ]/, "", head)
	gsub(/\//, ",", head)
	return head
}

# Drop the kernel-doc name ("name() - ", "a() / b() - ", "struct NAME - ")
# in front of the text: Doxygen shows the name itself.
function strip_name(t,    parts) {
	if (match(t, /^[A-Za-z_][A-Za-z0-9_]*\(\)( \/ [A-Za-z_][A-Za-z0-9_]*\(\))* - /)) {
		kind = "func"
		return substr(t, RLENGTH + 1)
	}
	if (match(t, /^(struct|enum|union) [A-Za-z_][A-Za-z0-9_]* - /)) {
		kind = "type"
		split(t, parts, " ")
		tname = parts[2]
		return substr(t, RLENGTH + 1)
	}
	return t
}

# The first text of a block: its name goes, and inside a struct so does
# the "@field:" that kernel-doc puts before a field's own comment.
function first_text(t) {
	t = strip_name(t)
	if (member && match(t, ITEM1))
		t = substr(t, RLENGTH + 1)
	return t
}

function keep_field(list, text,    n, i, f) {
	n = split(list, f, ",")
	for (i = 1; i <= n; i++)
		fdoc[tname SUBSEP f[i]] = text
}

# A declaration of several fields or variables: "T a, b;" (not a function).
function multi_decl(s) {
	return s ~ /^[ \t]*[A-Za-z_][^(]*,[^(]*;[ \t]*$/
}

function emit(s) {
	if (held != "") {
		# A one-line doc comment held back: for "T a, b;" it opens a
		# member group that the declaration's line closes.
		if (multi_decl(s)) {
			sub(/ *\*\/$/, " @{ */", held)
			s = s " /** @} */"
		}
		print held
		held = ""
	}
	print s
}

BEGIN {
	incomment = 0
	body = ""
	held = ""
	# A kernel-doc item head: "@a: ", "@a, @b: " or "@a/@b: ". Two
	# patterns, kept simple: mawk 1.3.4 mismatches "(...)*" and "( *x *)".
	ITEM1 = "^@[A-Za-z_0-9]+: *"
	ITEMN = "^@[A-Za-z_0-9]+([,/ ]+@[A-Za-z_0-9]+)+: *"
}

{
	line = $0

	# Inside the body of a struct whose kernel-doc listed its fields:
	# each listed field gets its text as a trailing comment.
	if (body != "" && line !~ /\/\*/ && line ~ /;[ \t]*$/) {
		decl = line
		sub(/;[ \t]*$/, "", decl)
		sub(/\[[^]]*\][ \t]*$/, "", decl)
		sub(/[ \t]*:[ \t]*[0-9]+[ \t]*$/, "", decl)   # a bit-field's width
		if (match(decl, /[A-Za-z_][A-Za-z0-9_]*$/)) {
			f = substr(decl, RSTART, RLENGTH)
			if ((body SUBSEP f) in fdoc)
				line = line " /**< " fdoc[body SUBSEP f] " */"
		}
	}
	if (body != "" && line ~ /^}/)
		body = ""
	if (line ~ /^(typedef )?(struct|enum|union) [A-Za-z_][A-Za-z0-9_]* \{/) {
		split(line, parts, /[ {]+/)
		b = parts[1] == "typedef" ? parts[3] : parts[2]
		for (k in fdoc) {
			split(k, kp, SUBSEP)
			if (kp[1] == b) { body = b; break }
		}
	}

	if (!incomment) {
		# A comment after code documents that code.
		if (line !~ /^[ \t]*\/\*/ && line !~ /^#[ \t]*(if|else|elif|endif|include)/ &&
		    match(line, /\/\*[^*]/)) {
			code = substr(line, 1, RSTART - 1)
			text = refs(substr(line, RSTART + 2))
			if (multi_decl(code) && text ~ /\*\/[ \t]*$/) {
				# "T a, b; /* x */": one comment for each.
				sub(/[ \t]*\*\/[ \t]*$/, "", text)
				match(code, /^[ \t]*/)
				line = substr(code, 1, RLENGTH) "/**" text " @{ */ " \
				       substr(code, RLENGTH + 1) "/** @} */"
			} else {
				line = code "/**<" text
			}
		}
		if (line !~ /^[ \t]*\/\*\*([^<]|$)/) {
			emit(line)
			next
		}
		incomment = 1
		first = 1
		kind = "other"
		item = ""
		member = line ~ /^[ \t]/
		# Text on the opening line itself.
		match(line, /\/\*\* */)
		pre = substr(line, 1, RSTART + RLENGTH - 1)
		t = substr(line, RSTART + RLENGTH)
		if (t != "" && t !~ /^\*\//) {
			first = 0
			t = first_text(t)
		}
		line = pre refs(t)
		gsub(/Return:/, "@return", line)
		if (line ~ /\*\/[ \t]*$/) {
			incomment = 0
			if (held != "")
				print held
			held = line
			next
		}
		emit(line)
		next
	}

	# Inside a doc block.
	if (line ~ /^[ \t]*\*\/[ \t]*$/) {
		incomment = 0
		emit(line)
		next
	}
	closing = line ~ /\*\//
	if (match(line, /^[ \t]*\* ?/)) {
		pre = substr(line, 1, RSTART + RLENGTH - 1)
		t = substr(line, RSTART + RLENGTH)
	} else {
		pre = ""
		t = line
	}
	if (first && t != "" && t !~ /^\*\//) {
		first = 0
		t = first_text(t)
	}
	if (match(t, ITEM1) || match(t, ITEMN)) {
		head = substr(t, 1, RLENGTH)
		sub(/: *$/, "", head)
		rest = substr(t, RLENGTH + 1)
		if (kind == "type") {
			# A field's text: it moves onto the field.
			item = names(head)
			itext = rest
			keep_field(item, refs(itext))
			line = pre
			sub(/ *$/, "", line)
		} else {
			line = pre "@param " names(head) " " refs(rest)
		}
	} else if (kind == "type" && item != "" && t ~ /^ +[^ ]/ && t !~ /\*\//) {
		# The field's text goes on (kernel-doc: an indented continuation).
		sub(/^ +/, "", t)
		itext = itext " " t
		keep_field(item, refs(itext))
		line = pre
		sub(/ *$/, "", line)
	} else {
		if (t == "" || t ~ /^\*\//)
			item = ""
		line = pre refs(t)
	}
	gsub(/Return:/, "@return", line)
	if (closing)
		incomment = 0
	emit(line)
}

END {
	if (held != "")
		print held
}
