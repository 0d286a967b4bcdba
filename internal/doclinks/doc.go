// Package doclinks checks that every relative link in the repository's
// Markdown files resolves inside the repository: the file or folder exists,
// and a #anchor names a heading of the Markdown file it points into (by
// GitHub's slugs). Links with a scheme (https:, mailto:) are not followed;
// links in code blocks and code spans are not links.
//
//	res, err := doclinks.Check("../..")
//	if err != nil {
//		return err // the walk itself failed
//	}
//	for _, b := range res.Broken {
//		fmt.Println(b) // README.md:12: docs/nope.md: no such file or folder
//	}
//
// make lint runs TestRepoLinks, which fails on any broken link.
package doclinks
