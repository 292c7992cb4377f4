"""Realistic Indonesian reports for the benchmarks: themes, places, people, all made up.

Every report picks a theme (its category and usual agency), one of the theme's titles and two or
three of its sentences, a place in Kotawaringin Barat, how long the problem has lasted and a
closing request; so a word like "banjir" or "KTP" matches a few percent of the reports, as in a
real regency's store, and free-text search has something to choose from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate


@dataclass(frozen=True)
class Theme:
    """A kind of problem: its category, the agency that usually handles it, how it is written."""

    category: str
    category_name: str
    agency: str
    weight: int
    titles: tuple[str, ...]
    sentences: tuple[str, ...]


THEMES: tuple[Theme, ...] = (
    Theme(
        "INFRA",
        "Infrastruktur Jalan dan Jembatan",
        "DPUPR",
        16,
        (
            "Jalan berlubang",
            "Jalan rusak parah",
            "Jembatan kayu lapuk",
            "Aspal jalan mengelupas",
            "Gorong-gorong ambrol",
            "Trotoar rusak dan berbahaya",
            "Drainase tersumbat",
        ),
        (
            "Jalan berlubang cukup dalam dan sudah beberapa kali membuat pengendara sepeda motor terjatuh.",
            "Kalau hujan lubangnya tergenang air sehingga tidak kelihatan oleh pengendara.",
            "Jembatan penghubung antardesa sudah lapuk, papan lantainya banyak yang patah.",
            "Aspal yang baru diperbaiki tahun lalu sudah mengelupas lagi dan berdebu saat kemarau.",
            "Saluran drainase tersumbat lumpur dan sampah sehingga air meluap ke badan jalan.",
            "Truk pengangkut sawit sering lewat sehingga kerusakan jalan makin parah.",
            "Gorong-gorong di bawah jalan ambrol dan membentuk lubang besar di tepi aspal.",
        ),
    ),
    Theme(
        "BENCANA",
        "Bencana dan Banjir",
        "BPBD",
        7,
        (
            "Banjir merendam permukiman",
            "Genangan air setinggi lutut",
            "Tanggul sungai jebol",
            "Pohon tumbang menutup jalan",
            "Longsor di tepi sungai",
        ),
        (
            "Banjir merendam rumah warga setinggi lutut orang dewasa sejak tadi malam.",
            "Air sungai Arut meluap dan warga mulai mengungsi ke rumah kerabat.",
            "Tanggul penahan air jebol sehingga sawah dan kebun warga terendam.",
            "Pohon besar tumbang karena angin kencang dan menutup seluruh badan jalan.",
            "Tebing di tepi sungai longsor dan mengancam beberapa rumah panggung warga.",
            "Warga membutuhkan perahu karet dan bantuan makanan siap saji.",
        ),
    ),
    Theme(
        "LINGKUNGAN",
        "Lingkungan Hidup dan Sampah",
        "DLH",
        11,
        (
            "Sampah menumpuk di pinggir jalan",
            "Tempat pembuangan sampah liar",
            "Pembakaran sampah",
            "Kabut asap kebakaran lahan",
            "Sungai tercemar limbah",
            "Bau busuk dari tempat sampah",
        ),
        (
            "Sampah menumpuk sudah lebih dari seminggu dan tidak diangkut oleh petugas kebersihan.",
            "Bau busuk dari tumpukan sampah sangat mengganggu warga dan pedagang di sekitarnya.",
            "Ada warga yang membakar sampah setiap sore sehingga asapnya masuk ke rumah-rumah.",
            "Kabut asap dari kebakaran lahan gambut membuat anak-anak batuk dan sesak napas.",
            "Air sungai berubah warna dan berbau, diduga tercemar limbah pabrik kelapa sawit.",
            "Lahan kosong dijadikan tempat pembuangan sampah liar oleh orang yang tidak dikenal.",
        ),
    ),
    Theme(
        "PJU",
        "Penerangan Jalan dan Perhubungan",
        "DISHUB",
        8,
        (
            "Lampu jalan mati",
            "Lampu lalu lintas rusak",
            "Parkir liar di bahu jalan",
            "Rambu lalu lintas hilang",
            "Angkutan umum menaikkan tarif",
        ),
        (
            "Lampu penerangan jalan umum mati sehingga jalan gelap gulita pada malam hari.",
            "Karena gelap, sudah terjadi beberapa kali penjambretan di ruas jalan ini.",
            "Lampu lalu lintas di persimpangan mati dan kendaraan saling serobot.",
            "Kendaraan parkir liar di bahu jalan dan menyebabkan kemacetan pada jam sibuk.",
            "Rambu batas kecepatan dekat sekolah hilang sehingga kendaraan melaju kencang.",
            "Sopir angkutan umum menaikkan tarif sepihak tanpa pemberitahuan.",
        ),
    ),
    Theme(
        "KESEHATAN",
        "Kesehatan",
        "DINKES",
        9,
        (
            "Pelayanan puskesmas lambat",
            "Obat tidak tersedia di puskesmas",
            "Kasus demam berdarah",
            "Permohonan fogging",
            "Antrean pasien BPJS terlalu lama",
        ),
        (
            "Pelayanan di puskesmas sangat lambat, pasien menunggu lebih dari tiga jam.",
            "Obat yang diresepkan dokter tidak tersedia di apotek puskesmas.",
            "Beberapa anak di lingkungan kami dirawat karena demam berdarah dengue.",
            "Warga memohon pengasapan atau fogging karena banyak nyamuk di sekitar permukiman.",
            "Petugas pendaftaran kurang ramah kepada pasien peserta BPJS Kesehatan.",
            "Posyandu di desa kami sudah tiga bulan tidak ada kegiatan penimbangan balita.",
        ),
    ),
    Theme(
        "RSUD",
        "Pelayanan Rumah Sakit",
        "RSUD",
        4,
        ("Pelayanan IGD RSUD lambat", "Kamar rawat inap penuh", "Biaya rumah sakit tidak jelas"),
        (
            "Pasien di IGD RSUD Sultan Imanuddin menunggu lama sebelum ditangani dokter.",
            "Keluarga pasien diminta membeli sendiri obat yang seharusnya ditanggung BPJS.",
            "Kamar rawat inap kelas tiga penuh dan pasien dirawat di lorong.",
            "Rincian biaya perawatan tidak dijelaskan kepada keluarga pasien.",
        ),
    ),
    Theme(
        "PENDIDIKAN",
        "Pendidikan",
        "DISDIK",
        7,
        (
            "Pungutan di sekolah negeri",
            "Ruang kelas rusak",
            "Guru jarang hadir",
            "Masalah PPDB zonasi",
            "Dana BOS tidak transparan",
        ),
        (
            "Sekolah meminta pungutan uang seragam dan buku yang memberatkan orang tua murid.",
            "Atap ruang kelas bocor dan plafonnya hampir runtuh, murid belajar dengan was-was.",
            "Guru kelas jarang hadir sehingga murid sering dipulangkan lebih awal.",
            "Anak kami tidak diterima di sekolah terdekat padahal rumah masuk zonasi.",
            "Penggunaan dana BOS di sekolah tidak pernah diumumkan kepada komite sekolah.",
        ),
    ),
    Theme(
        "ADMINDUK",
        "Administrasi Kependudukan",
        "DISDUKCAPIL",
        8,
        (
            "KTP elektronik belum jadi",
            "Blanko KTP habis",
            "Pengurusan akta kelahiran lama",
            "Kartu keluarga salah data",
            "Antrean Disdukcapil panjang",
        ),
        (
            "Sudah perekaman KTP elektronik sejak beberapa bulan lalu tetapi kartunya belum jadi.",
            "Petugas mengatakan blanko KTP habis dan kami diminta menunggu tanpa kepastian.",
            "Pengurusan akta kelahiran anak sudah lebih dari sebulan belum selesai.",
            "Nama di kartu keluarga salah ketik dan perbaikannya harus bolak-balik ke kantor.",
            "Antrean di kantor Disdukcapil sangat panjang dan nomor antrean habis sejak pagi.",
        ),
    ),
    Theme(
        "AIRBERSIH",
        "Air Bersih",
        "PDAM",
        7,
        ("Air PDAM tidak mengalir", "Air PDAM keruh", "Tagihan air naik drastis", "Pipa PDAM bocor"),
        (
            "Air PDAM tidak mengalir sudah empat hari dan warga terpaksa membeli air galon.",
            "Air yang keluar dari keran keruh kecokelatan dan berbau lumpur.",
            "Tagihan air bulan ini naik dua kali lipat padahal pemakaian tidak bertambah.",
            "Pipa PDAM bocor di tepi jalan dan airnya terbuang percuma setiap hari.",
        ),
    ),
    Theme(
        "SOSIAL",
        "Bantuan Sosial",
        "DINSOS",
        6,
        (
            "Bansos tidak tepat sasaran",
            "Bantuan PKH tidak cair",
            "Warga miskin belum terdata DTKS",
            "Lansia terlantar",
        ),
        (
            "Bantuan sosial diterima oleh keluarga mampu sementara warga miskin tidak mendapat apa-apa.",
            "Bantuan PKH kami belum cair selama dua tahap tanpa penjelasan dari pendamping.",
            "Keluarga kami miskin tetapi belum terdaftar di DTKS walaupun sudah melapor ke desa.",
            "Ada lansia yang tinggal sendirian dan tidak terurus di rumah yang hampir roboh.",
        ),
    ),
    Theme(
        "PERIZINAN",
        "Perizinan dan Investasi",
        "DPMPTSP",
        4,
        ("Izin usaha tidak kunjung terbit", "Dugaan pungli perizinan", "Sistem OSS bermasalah"),
        (
            "Permohonan izin usaha sudah diajukan sebulan lalu tetapi belum ada kabar.",
            "Ada oknum yang meminta uang pelicin agar izin bangunan cepat selesai.",
            "Sistem perizinan daring sering gagal saat mengunggah berkas persyaratan.",
        ),
    ),
    Theme(
        "KETERTIBAN",
        "Ketertiban Umum",
        "SATPOLPP",
        6,
        (
            "Pedagang kaki lima di trotoar",
            "Balap liar setiap malam",
            "Tempat hiburan bising",
            "Bangunan liar di sempadan sungai",
        ),
        (
            "Pedagang kaki lima berjualan di trotoar sehingga pejalan kaki harus turun ke jalan.",
            "Setiap malam minggu ada balap liar yang sangat membahayakan dan bising.",
            "Tempat karaoke buka sampai dini hari dan suaranya mengganggu warga yang beristirahat.",
            "Bangunan liar berdiri di sempadan sungai dan mempersempit aliran air.",
        ),
    ),
    Theme(
        "PERTANIAN",
        "Pertanian dan Perkebunan",
        "DISTAN",
        4,
        ("Pupuk subsidi langka", "Harga TBS sawit anjlok", "Serangan hama wereng"),
        (
            "Pupuk subsidi langka di kios resmi padahal sudah masuk musim tanam.",
            "Harga tandan buah segar sawit di tingkat petani anjlok dan pabrik membatasi pembelian.",
            "Sawah petani diserang hama wereng dan penyuluh belum datang memeriksa.",
        ),
    ),
    Theme(
        "PASAR",
        "Pasar dan Perdagangan",
        "DISPERINDAG",
        3,
        ("Harga minyak goreng naik", "Kios pasar bocor", "Timbangan pedagang tidak sesuai"),
        (
            "Harga minyak goreng dan gas elpiji tiga kilogram di pasar melebihi harga eceran tertinggi.",
            "Atap kios di Pasar Indra Kencana bocor dan dagangan basah setiap hujan.",
            "Timbangan sebagian pedagang tidak sesuai dan merugikan pembeli.",
        ),
    ),
    Theme(
        "KEPEGAWAIAN",
        "Kinerja Aparatur",
        "BKPSDM",
        2,
        ("ASN bolos pada jam kerja", "Pelayanan kantor kelurahan tutup", "Sikap petugas tidak ramah"),
        (
            "Beberapa pegawai terlihat berada di warung kopi pada jam kerja.",
            "Kantor kelurahan sudah tutup pukul sebelas siang padahal belum waktunya.",
            "Petugas pelayanan membentak warga yang bertanya tentang persyaratan.",
        ),
    ),
)

OTHER_AGENCIES = ("DISKOMINFO", "BAPPEDA", "INSPEKTORAT", "DISPERKIM", "DISNAKERTRANS", "DISPORAPAR")

AGENCY_NAMES = {
    "DPUPR": "Dinas Pekerjaan Umum dan Penataan Ruang",
    "BPBD": "Badan Penanggulangan Bencana Daerah",
    "DLH": "Dinas Lingkungan Hidup",
    "DISHUB": "Dinas Perhubungan",
    "DINKES": "Dinas Kesehatan",
    "RSUD": "RSUD Sultan Imanuddin",
    "DISDIK": "Dinas Pendidikan",
    "DISDUKCAPIL": "Dinas Kependudukan dan Pencatatan Sipil",
    "PDAM": "Perumda Air Minum Tirta Arut",
    "DINSOS": "Dinas Sosial",
    "DPMPTSP": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    "SATPOLPP": "Satuan Polisi Pamong Praja",
    "DISTAN": "Dinas Pertanian",
    "DISPERINDAG": "Dinas Perindustrian dan Perdagangan",
    "BKPSDM": "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
    "DISKOMINFO": "Dinas Komunikasi dan Informatika",
    "BAPPEDA": "Badan Perencanaan Pembangunan Daerah",
    "INSPEKTORAT": "Inspektorat Daerah",
    "DISPERKIM": "Dinas Perumahan dan Kawasan Permukiman",
    "DISNAKERTRANS": "Dinas Tenaga Kerja dan Transmigrasi",
    "DISPORAPAR": "Dinas Kepemudaan, Olahraga dan Pariwisata",
}

# Kotawaringin Barat's districts (kecamatan) and some of their villages and streets.
DISTRICTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "62.01.01",
        "Arut Selatan",
        (
            "Kelurahan Raja",
            "Kelurahan Baru",
            "Kelurahan Sidorejo",
            "Kelurahan Mendawai",
            "Kelurahan Madurejo",
            "Desa Pasir Panjang",
            "Desa Kenambui",
            "Kelurahan Raja Seberang",
        ),
    ),
    (
        "62.01.02",
        "Kumai",
        (
            "Kelurahan Kumai Hilir",
            "Kelurahan Kumai Hulu",
            "Desa Sungai Tendang",
            "Desa Teluk Pulai",
            "Desa Sungai Bedaun",
            "Desa Batu Belaman",
        ),
    ),
    ("62.01.03", "Kotawaringin Lama", ("Kelurahan Kotawaringin Hulu", "Desa Kinjil", "Desa Riam Durian")),
    ("62.01.04", "Arut Utara", ("Kelurahan Pangkut", "Desa Sukarame", "Desa Gandis")),
    ("62.01.05", "Pangkalan Banteng", ("Desa Karang Mulya", "Desa Arga Mulya", "Desa Sido Mulyo")),
    ("62.01.06", "Pangkalan Lada", ("Desa Pandu Sanjaya", "Desa Sumber Agung", "Desa Lada Mandala Jaya")),
)

STREETS = (
    "Jl. Pangeran Antasari",
    "Jl. Ahmad Yani",
    "Jl. Iskandar",
    "Jl. Domba",
    "Jl. Kawitan",
    "Jl. HM Rafi'i",
    "Jl. Pakunegara",
    "Jl. Sutan Syahrir",
    "Jl. Malijo",
    "Jl. Padat Karya",
    "Jl. Kasuma Bangsa",
    "Jl. Hasanudin",
    "Jl. Diponegoro",
    "Jl. RTA Milono",
    "Jl. Sultan Syahrir",
    "Jl. Jenderal Sudirman",
    "Jl. Pasanah",
    "Jl. Budi Utomo",
    "Jl. Natai Raya",
    "Jl. Trans Kalimantan",
)

LANDMARKS = (
    "depan pasar",
    "dekat masjid",
    "samping sekolah dasar",
    "simpang empat",
    "dekat puskesmas",
    "depan kantor kelurahan",
    "ujung gang",
    "dekat jembatan",
    "belakang terminal",
    "dekat pelabuhan",
)

DURATIONS = (
    "Masalah ini sudah berlangsung sekitar dua minggu.",
    "Kejadiannya sudah lebih dari sebulan dan belum ada tindakan.",
    "Sudah tiga kali kami laporkan ke RT dan kelurahan tetapi belum ada tanggapan.",
    "Keadaan ini terjadi sejak awal musim hujan.",
    "Baru terjadi kemarin sore dan makin parah hari ini.",
    "Sudah hampir setahun kondisinya seperti ini.",
)

CLOSINGS = (
    "Mohon segera ditindaklanjuti oleh dinas terkait.",
    "Kami berharap pemerintah daerah segera turun ke lapangan.",
    "Mohon perhatian Bapak Bupati dan instansi yang berwenang.",
    "Terima kasih atas perhatian dan tindak lanjutnya.",
    "Warga siap membantu jika diperlukan kerja bakti.",
    "Mohon kabar perkembangan penanganannya melalui kanal ini.",
)

FIRST_NAMES = (
    "Siti",
    "Ahmad",
    "Budi",
    "Dewi",
    "Rahmat",
    "Nur",
    "Agus",
    "Sri",
    "Hendra",
    "Yanti",
    "Eko",
    "Rina",
    "Muhammad",
    "Fitri",
    "Joko",
    "Lestari",
    "Rudi",
    "Maya",
    "Fajar",
    "Indah",
    "Slamet",
    "Wahyu",
    "Ratna",
    "Herman",
    "Ayu",
    "Dedi",
    "Putri",
    "Syahrul",
    "Norhayati",
    "Gusti",
)
LAST_NAMES = (
    "Rahmawati",
    "Hidayat",
    "Santoso",
    "Lestari",
    "Saputra",
    "Wulandari",
    "Setiawan",
    "Nugroho",
    "Kurniawan",
    "Pratama",
    "Sari",
    "Halim",
    "Fauzi",
    "Anwar",
    "Maulana",
    "Utami",
    "Ramadhan",
    "Syahputra",
    "Aini",
    "Permana",
)


class Weighted:
    """Values drawn with fixed weights (cumulative weights computed once: this runs a million times)."""

    def __init__(self, *pairs: tuple[str, int]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum_weights = list(accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random) -> str:
        """One value."""
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


KINDS = Weighted(("complaint", 75), ("aspiration", 15), ("information_request", 10))
CHANNELS = Weighted(
    ("lapor", 45),
    ("whatsapp", 25),
    ("web", 12),
    ("sms", 5),
    ("walk_in", 5),
    ("letter", 3),
    ("email", 3),
    ("social_media", 2),
)
LOCAL_CHANNELS = Weighted(
    ("whatsapp", 25),
    ("web", 12),
    ("sms", 5),
    ("walk_in", 5),
    ("letter", 3),
    ("email", 3),
    ("social_media", 2),
)
# Statuses over the whole store: most old reports are closed, a backlog stays open.
STATUSES = Weighted(
    ("unverified", 4),
    ("verified", 4),
    ("on_hold", 2),
    ("disposed", 8),
    ("in_progress", 12),
    ("followed_up", 10),
    ("completed", 38),
    ("forwarded", 5),
    ("rejected", 6),
    ("archived", 11),
)
# Statuses in which a report is held by an agency.
HELD = frozenset({"disposed", "in_progress", "followed_up", "completed", "archived"})
_THEME_CUM_WEIGHTS = list(accumulate(t.weight for t in THEMES))


@dataclass
class ReportText:
    """The written part of one made-up report."""

    theme: Theme
    title: str
    content: str
    district_code: str
    village_code: str


def report_text(rng: random.Random) -> ReportText:
    """A title and content in the voice of a resident, about a place in the regency."""
    theme = rng.choices(THEMES, cum_weights=_THEME_CUM_WEIGHTS)[0]
    district_index = rng.randrange(len(DISTRICTS))
    district_code, district_name, villages = DISTRICTS[district_index]
    village_index = rng.randrange(len(villages))
    village = villages[village_index]
    street = rng.choice(STREETS)
    landmark = rng.choice(LANDMARKS)
    place = f"{street} {landmark}, {village}"
    title = f"{rng.choice(theme.titles)} di {street}, {village}"
    sentences = rng.sample(theme.sentences, k=rng.randint(2, min(3, len(theme.sentences))))
    content = " ".join(
        [
            sentences[0],
            f"Lokasinya di {place}, Kecamatan {district_name}.",
            *sentences[1:],
            rng.choice(DURATIONS),
            rng.choice(CLOSINGS),
        ]
    )
    return ReportText(theme, title, content, district_code, f"{district_code}.{2001 + village_index}")


def reporter(rng: random.Random) -> dict[str, str]:
    """A made-up resident's identity (the NIK is well-formed, not real)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    day = birth.day + (40 if rng.random() < 0.5 else 0)
    nik = f"620101{day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randrange(1, 9999):04d}"
    return {
        "name": f"{first} {last}",
        "nik": nik,
        "phone": f"+628{rng.randrange(11, 99)}{rng.randrange(10_000_000, 99_999_999)}",
        "email": f"{first.lower()}.{last.lower()}{rng.randrange(1, 999)}@example.id",
        "address": f"{rng.choice(STREETS)} No. {rng.randrange(1, 250)}, Pangkalan Bun",
    }
