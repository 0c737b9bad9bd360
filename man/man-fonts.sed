# pandoc 2.x's man writer probes for a constant-width bold font (\f[CB])
# and sets code blocks in \f[C]; groff's terminal devices (1.23 and
# later) have neither and warn on each (lintian: groff-message). Inline
# code is set in bold, as the probe chose on a terminal, blocks in roman.
/^\.ie "\\f\[CB\]x\\f\[\]"x" \\{\\$/,/^\.\\}$/d
/^\.el \\{\\$/,/^\.\\}$/c\
.ftr V B\
.ftr VI BI\
.ftr VB B\
.ftr VBI BI
s/\\f\[C\]/\\f[R]/g
