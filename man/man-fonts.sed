# pandoc 2.x's man writer probes for a constant-width bold font (\f[CB])
# and sets code blocks in \f[C]; groff 1.23's terminal devices have
# neither and warn on each (lintian: groff-message). Terminal rendering
# is what the probe chose anyway: inline code in bold, blocks in roman.
/^\.ie "\\f\[CB\]x\\f\[\]"x" \\{\\$/,/^\.\\}$/d
/^\.el \\{\\$/,/^\.\\}$/c\
.ftr V B\
.ftr VI BI\
.ftr VB B\
.ftr VBI BI
s/\\f\[C\]/\\f[R]/g
