package wasip1

// Rights are the capability bits of a file descriptor (witx "rights").
type Rights uint64

const (
	RightFdDatasync Rights = 1 << iota
	RightFdRead
	RightFdSeek
	RightFdFdstatSetFlags
	RightFdSync
	RightFdTell
	RightFdWrite
	RightFdAdvise
	RightFdAllocate
	RightPathCreateDirectory
	RightPathCreateFile
	RightPathLinkSource
	RightPathLinkTarget
	RightPathOpen
	RightFdReaddir
	RightPathReadlink
	RightPathRenameSource
	RightPathRenameTarget
	RightPathFilestatGet
	RightPathFilestatSetSize
	RightPathFilestatSetTimes
	RightFdFilestatGet
	RightFdFilestatSetSize
	RightFdFilestatSetTimes
	RightPathSymlink
	RightPathRemoveDirectory
	RightPathUnlinkFile
	RightPollFdReadwrite
	RightSockShutdown
	RightSockAccept

	rightsAll = RightSockAccept<<1 - 1
)

// The rights a descriptor of each kind can have at most, following wasmtime.
const (
	// rightsFileAll are the rights that make sense on a regular file.
	rightsFileAll = RightFdDatasync | RightFdRead | RightFdSeek | RightFdFdstatSetFlags |
		RightFdSync | RightFdTell | RightFdWrite | RightFdAdvise | RightFdAllocate |
		RightFdFilestatGet | RightFdFilestatSetSize | RightFdFilestatSetTimes |
		RightPollFdReadwrite
	// rightsDirAll are the rights that make sense on a directory.
	rightsDirAll = RightFdFdstatSetFlags | RightFdSync | RightFdAdvise |
		RightPathCreateDirectory | RightPathCreateFile | RightPathLinkSource |
		RightPathLinkTarget | RightPathOpen | RightFdReaddir | RightPathReadlink |
		RightPathRenameSource | RightPathRenameTarget | RightPathFilestatGet |
		RightPathFilestatSetSize | RightPathFilestatSetTimes | RightFdFilestatGet |
		RightFdFilestatSetTimes | RightPathSymlink | RightPathRemoveDirectory |
		RightPathUnlinkFile
	// rightsFileWrite are the file rights that modify data or metadata.
	rightsFileWrite = RightFdDatasync | RightFdWrite | RightFdAllocate | RightFdSync |
		RightFdFilestatSetSize | RightFdFilestatSetTimes
	// rightsDirMutate are the directory rights that change the tree.
	rightsDirMutate = RightPathCreateDirectory | RightPathCreateFile | RightPathLinkSource |
		RightPathLinkTarget | RightPathRenameSource | RightPathRenameTarget |
		RightPathFilestatSetSize | RightPathFilestatSetTimes | RightFdFilestatSetTimes |
		RightPathSymlink | RightPathRemoveDirectory | RightPathUnlinkFile
	// rightsStdio are the rights of fds 0, 1 and 2 (character devices).
	rightsStdio = RightFdRead | RightFdWrite | RightFdFdstatSetFlags | RightFdFilestatGet |
		RightPollFdReadwrite
)

// Filetype is the type of a file (witx "filetype").
type Filetype uint8

const (
	FiletypeUnknown Filetype = iota
	FiletypeBlockDevice
	FiletypeCharacterDevice
	FiletypeDirectory
	FiletypeRegularFile
	FiletypeSocketDgram
	FiletypeSocketStream
	FiletypeSymbolicLink
)

// Fdflags are a descriptor's flags (witx "fdflags").
const (
	FdflagAppend   uint16 = 1 << 0
	FdflagDsync    uint16 = 1 << 1
	FdflagNonblock uint16 = 1 << 2
	FdflagRsync    uint16 = 1 << 3
	FdflagSync     uint16 = 1 << 4
)

// Oflags are path_open's open flags (witx "oflags").
const (
	OflagCreat     uint16 = 1 << 0
	OflagDirectory uint16 = 1 << 1
	OflagExcl      uint16 = 1 << 2
	OflagTrunc     uint16 = 1 << 3
)

// LookupSymlinkFollow is the one lookupflags bit.
const LookupSymlinkFollow uint32 = 1

// Fstflags select which times fd/path_filestat_set_times change.
const (
	FstflagAtim    uint16 = 1 << 0
	FstflagAtimNow uint16 = 1 << 1
	FstflagMtim    uint16 = 1 << 2
	FstflagMtimNow uint16 = 1 << 3
)

// Whence values of fd_seek.
const (
	WhenceSet uint8 = 0
	WhenceCur uint8 = 1
	WhenceEnd uint8 = 2
)

// Clock ids.
const (
	ClockRealtime         uint32 = 0
	ClockMonotonic        uint32 = 1
	ClockProcessCPUTimeID uint32 = 2
	ClockThreadCPUTimeID  uint32 = 3
)

// Event types of poll_oneoff subscriptions.
const (
	EventtypeClock   uint8 = 0
	EventtypeFdRead  uint8 = 1
	EventtypeFdWrite uint8 = 2
)

// SubclockAbstime makes a clock subscription's timeout absolute.
const SubclockAbstime uint16 = 1

// PreopentypeDir is the only preopen type.
const PreopentypeDir uint8 = 0
