"""Objects of a consultation (Object ID standard), bulk intake from CSV, and "seen before":
perceptual hashes of photos and dense vectors of object descriptions that flag a request
resembling an earlier one to the secretariat, who may link the two officials."""
