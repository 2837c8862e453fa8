#pragma once
// Suppression comments. On a line, `# flowc: allow W0101` silences that warning for
// diagnostics pointing at the same line; `# flowc: allow-file W0101` anywhere in a file
// silences it for the whole file. Several codes may follow, separated by commas or spaces.
// Only warnings can be silenced: an error always stands.
#include <vector>

#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

void apply_suppressions(const SourceMap& sources, std::vector<Diagnostic>& diags);

}  // namespace flow
